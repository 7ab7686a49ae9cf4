/*
 * evidence.h - what is known about an image beyond its name: its custody
 * chain as verified against the policy's custody.yaml and attestations, and
 * the newest verified scan summary. Gathered by admit_evidence.c (which
 * reads bundles and calls custody/), consumed by moat_admit_check_image().
 */
#ifndef MOAT_POLICY_EVIDENCE_H
#define MOAT_POLICY_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/base/strv.h"
#include "moat/source/image.h"
#include "moat/policy/admit.h"

struct moat_admit_evidence {
    struct moat_admit_custody custody;
    struct moat_scan_summary scan; /* from the newest verified scan attestation */
    struct moat_strv owned;        /* storage behind custody.reasons */
};

/*
 * Verify the attestations about meta (the policy's attestations: files and
 * directories, plus extra bundle files) against the policy's custody.yaml.
 * Only envelopes whose statement names meta's subject digest are considered.
 * Verdicts (no attestations, a bad signature) land in out->custody.reasons;
 * <0 only for errors that are not verdicts (the custody policy cannot be read).
 */
int moat_admit_evidence_gather(const struct moat_admit_policy *p,
                               const struct moat_image_meta *meta, const char *const *extra,
                               size_t n_extra, int64_t now, struct moat_admit_evidence *out,
                               struct moat_err *err);
void moat_admit_evidence_free(struct moat_admit_evidence *ev);

typedef int (*moat_admit_evidence_fn)(const struct moat_admit_policy *p,
                                      const struct moat_image_meta *meta, int64_t now,
                                      struct moat_admit_evidence *out, struct moat_err *err);

#endif
