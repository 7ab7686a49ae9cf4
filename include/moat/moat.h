/*
 * moat.h - all of libmoat's public API: one include for programs that use
 * the library (pkg-config --cflags --libs moat). Each header below can also
 * be included on its own. moat_scan_run() (moat/scan/scan.h) is the
 * pipeline every moat command runs; docs/ and each header say what each
 * room does and who owns what it returns.
 */
#ifndef MOAT_MOAT_H
#define MOAT_MOAT_H

#include "moat/base/about.h"
#include "moat/base/array.h"
#include "moat/base/base64.h"
#include "moat/base/buf.h"
#include "moat/base/cache.h"
#include "moat/base/decomp.h"
#include "moat/base/error.h"
#include "moat/base/file.h"
#include "moat/base/finding.h"
#include "moat/base/glob.h"
#include "moat/base/hash.h"
#include "moat/base/json.h"
#include "moat/base/json_stream.h"
#include "moat/base/limits.h"
#include "moat/base/strv.h"
#include "moat/base/tarhdr.h"
#include "moat/base/text.h"
#include "moat/base/time.h"
#include "moat/base/warning.h"
#include "moat/catalog/catalog.h"
#include "moat/check/dockerfile.h"
#include "moat/check/lint.h"
#include "moat/check/misconfig.h"
#include "moat/custody/custody.h"
#include "moat/engine/engine.h"
#include "moat/event/audit.h"
#include "moat/event/event.h"
#include "moat/fs/fs.h"
#include "moat/policy/admit.h"
#include "moat/policy/authz.h"
#include "moat/policy/cache.h"
#include "moat/policy/evidence.h"
#include "moat/policy/gosem.h"
#include "moat/policy/route.h"
#include "moat/report/report.h"
#include "moat/sbom/sbom.h"
#include "moat/sbom/sbom_read.h"
#include "moat/scan/ignore.h"
#include "moat/scan/scan.h"
#include "moat/secret/config.h"
#include "moat/secret/scanner.h"
#include "moat/secret/secret.h"
#include "moat/secret/tar.h"
#include "moat/source/docker_name.h"
#include "moat/source/entry.h"
#include "moat/source/image.h"
#include "moat/version/version.h"
#include "moat/vex/vex.h"
#include "moat/vuln/cvss.h"
#include "moat/vuln/match.h"
#include "moat/vuln/vulndb.h"

#endif
