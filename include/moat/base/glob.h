/*
 * glob.h - path patterns as users write them for --skip-files and
 * --skip-dirs (Trivy's syntax): segments separated by "/", each matched
 * with fnmatch(3) ("*", "?", "[...]" within one segment), and "**" as a
 * whole segment matching any number of segments, none included. A leading
 * "/" or "./" is dropped: paths are relative to the image root.
 */
#ifndef MOAT_BASE_GLOB_H
#define MOAT_BASE_GLOB_H

#include <stdbool.h>

#define MOAT_GLOB_MAX_SEGMENTS 256u /* deeper patterns or paths never match */

/* Whether the normalised path (no leading "/") matches pattern as a whole. */
bool moat_glob_match(const char *pattern, const char *path);
/* Whether a directory matching pattern holds path (path itself excluded). */
bool moat_glob_match_dir(const char *pattern, const char *path);

#endif
