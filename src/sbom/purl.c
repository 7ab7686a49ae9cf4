/*
 * purl.c - Package URLs (https://github.com/package-url/purl-spec, the
 * ECMA-427 text in docs/ecma/ and the type definitions in types/).
 *
 * Canonical form, as the spec's test suite builds it:
 *  - "Permitted characters" / "Character encoding": alphanumerics, the
 *    punctuation ".-_~" and the colon ':' are never percent-encoded (so the
 *    deb epoch stays "1:2.4.47-2" and an oci digest stays "sha256:..."); every
 *    other octet of the UTF-8 text is percent-encoded with uppercase hex
 *    ('+' -> %2B, '/' in a qualifier value -> %2F, ' ' -> %20).
 *  - "Rules for each purl component": the type is lowercase; the namespace
 *    is '/'-separated segments, each encoded; qualifier keys are lowercase,
 *    sorted, and a key with an empty value is dropped.
 *
 * Types (types/<type>-definition.json):
 *  - deb: namespace = vendor ("debian", "ubuntu"), lowercased; name
 *    lowercased; version is the full dpkg version, epoch included
 *    ("pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64"); qualifiers arch,
 *    distro ("The distribution name, codename, or suite").
 *  - apk: namespace = vendor ("alpine"), name lowercased, version as apk
 *    prints it; qualifier arch (distro added as for deb).
 *  - rpm: namespace = vendor lowercased, name case-sensitive, version is
 *    "version-release" WITHOUT the epoch, which goes in the "epoch"
 *    qualifier ("pkg:rpm/fedora/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1").
 *  - oci: no namespace, name = last fragment of the repository lowercased,
 *    version = the digest; qualifiers arch, repository_url, tag.
 *
 * distro is "<os-release ID>-<VERSION_ID>" ("debian-12", "alpine-3.20.3"),
 * or VERSION_CODENAME when there is no VERSION_ID.
 */
#include "sbom_int.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/buf.h"

#define PURL_MAX_QUALS 16

static int purl_is_unreserved(unsigned char c)
{
    return isascii(c) && (isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == ':');
}

static int purl_encode(struct moat_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;
    int r = 0;

    for (i = 0; i < n && r == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        char t[3];

        if (purl_is_unreserved(c)) {
            r = moat_buf_append(b, &s[i], 1);
            continue;
        }
        t[0] = '%';
        t[1] = hex[c >> 4];
        t[2] = hex[c & 15];
        r = moat_buf_append(b, t, 3);
    }
    return r;
}

static int purl_key_ok(const char *k)
{
    size_t i;

    if (k == NULL || !isascii((unsigned char)k[0]) || !islower((unsigned char)k[0]))
        return 0;
    for (i = 0; k[i] != '\0'; i++) {
        unsigned char c = (unsigned char)k[i];
        if (!(isascii(c) && (islower(c) || isdigit(c) || c == '.' || c == '-' || c == '_')))
            return 0;
    }
    return 1;
}

static int qual_cmp(const void *a, const void *b)
{
    const struct moat_purl_qual *x = a, *y = b;

    return strcmp(x->key, y->key);
}

char *sbom_purl_build(const char *type, const char *ns, const char *name, const char *version,
                      const struct moat_purl_qual *quals, size_t n_quals)
{
    struct moat_buf b = MOAT_BUF_INIT;
    struct moat_purl_qual q[PURL_MAX_QUALS];
    size_t i, nq = 0;
    int r = 0, first = 1;
    char *out = NULL;

    if (type == NULL || type[0] == '\0' || name == NULL || name[0] == '\0' ||
        n_quals > PURL_MAX_QUALS)
        goto out;
    r = moat_buf_append(&b, "pkg:", 4);
    for (i = 0; type[i] != '\0' && r == 0; i++) {
        char c = (char)tolower((unsigned char)type[i]);
        r = moat_buf_append(&b, &c, 1);
    }
    if (r == 0)
        r = moat_buf_append(&b, "/", 1);
    /* Namespace: each non-empty segment encoded, '/' kept as the separator. */
    while (ns != NULL && *ns != '\0' && r == 0) {
        size_t seg = strcspn(ns, "/");

        if (seg > 0) {
            r = purl_encode(&b, ns, seg);
            if (r == 0)
                r = moat_buf_append(&b, "/", 1);
        }
        ns += seg;
        if (*ns == '/')
            ns++;
    }
    if (r == 0)
        r = purl_encode(&b, name, strlen(name));
    if (r == 0 && version != NULL && version[0] != '\0') {
        r = moat_buf_append(&b, "@", 1);
        if (r == 0)
            r = purl_encode(&b, version, strlen(version));
    }
    for (i = 0; i < n_quals; i++) {
        if (!purl_key_ok(quals[i].key))
            goto out;
        if (quals[i].value != NULL && quals[i].value[0] != '\0')
            q[nq++] = quals[i];
    }
    qsort(q, nq, sizeof(q[0]), qual_cmp);
    for (i = 0; i < nq && r == 0; i++) {
        if (i > 0 && strcmp(q[i - 1].key, q[i].key) == 0)
            goto out; /* keys must be unique */
        r = moat_buf_append(&b, first ? "?" : "&", 1);
        first = 0;
        if (r == 0)
            r = moat_buf_append(&b, q[i].key, strlen(q[i].key));
        if (r == 0)
            r = moat_buf_append(&b, "=", 1);
        if (r == 0)
            r = purl_encode(&b, q[i].value, strlen(q[i].value));
    }
    if (r == 0)
        out = moat_buf_steal(&b, NULL);
out:
    moat_buf_free(&b);
    return out;
}

static char *str_lower(const char *s)
{
    char *d;
    size_t i;

    if (s == NULL)
        return NULL;
    d = strdup(s);
    for (i = 0; d != NULL && d[i] != '\0'; i++)
        d[i] = (char)tolower((unsigned char)d[i]);
    return d;
}

/* "<id>-<version_id>", the codename, or NULL (also on allocation failure). */
static char *purl_distro(const struct moat_os *os)
{
    struct moat_buf b = MOAT_BUF_INIT;
    char *id;

    if (os == NULL || os->id == NULL || os->id[0] == '\0')
        return NULL;
    if (os->version_id == NULL || os->version_id[0] == '\0')
        return (os->codename != NULL && os->codename[0] != '\0') ? strdup(os->codename) : NULL;
    id = str_lower(os->id);
    if (id == NULL || moat_buf_appendf(&b, "%s-%s", id, os->version_id) < 0) {
        free(id);
        moat_buf_free(&b);
        return NULL;
    }
    free(id);
    return moat_buf_steal(&b, NULL);
}

/* rpm: drop a leading "<digits>:" epoch from the version; *epoch gets it when p->epoch is 0. */
static const char *rpm_version(const char *v, uint32_t *epoch)
{
    const char *c;
    uint32_t e = 0;

    if (v == NULL)
        return NULL;
    for (c = v; *c >= '0' && *c <= '9'; c++)
        e = e > UINT32_MAX / 10 ? UINT32_MAX : e * 10 + (uint32_t)(*c - '0');
    if (c == v || *c != ':')
        return v;
    if (*epoch == 0)
        *epoch = e;
    return c + 1;
}

char *moat_purl(const struct moat_pkg *p, const struct moat_os *os)
{
    struct moat_purl_qual q[3];
    char epoch_s[16];
    const char *type, *version, *fallback_ns = NULL;
    char *ns = NULL, *name = NULL, *distro = NULL, *out = NULL;
    uint32_t epoch;
    size_t nq = 0;

    if (p == NULL || p->name == NULL)
        return NULL;
    epoch = p->epoch;
    version = p->version;
    switch (p->type) {
    case MOAT_PKG_DEB:
        type = "deb";
        fallback_ns = "debian";
        name = str_lower(p->name);
        break;
    case MOAT_PKG_APK:
        type = "apk";
        fallback_ns = "alpine";
        name = str_lower(p->name);
        break;
    case MOAT_PKG_RPM:
        type = "rpm";
        name = strdup(p->name);
        version = rpm_version(p->version, &epoch);
        break;
    default:
        return NULL;
    }
    if (os != NULL && os->id != NULL && os->id[0] != '\0')
        ns = str_lower(os->id);
    else if (fallback_ns != NULL)
        ns = strdup(fallback_ns);
    distro = purl_distro(os);
    if (name == NULL || (ns == NULL && fallback_ns != NULL))
        goto out;
    q[nq++] = (struct moat_purl_qual){"arch", p->arch};
    q[nq++] = (struct moat_purl_qual){"distro", distro};
    if (p->type == MOAT_PKG_RPM && epoch > 0) {
        snprintf(epoch_s, sizeof(epoch_s), "%u", (unsigned)epoch);
        q[nq++] = (struct moat_purl_qual){"epoch", epoch_s};
    }
    out = sbom_purl_build(type, ns, name, version, q, nq);
out:
    free(ns);
    free(name);
    free(distro);
    return out;
}

/* Split "host/path/name:tag" (or "...@sha256:...") into repository and tag (NULL when none). */
static int split_tag(const char *ref, char **repo, char **tag)
{
    const char *slash = strrchr(ref, '/');
    const char *last = slash != NULL ? slash + 1 : ref;
    size_t end = strcspn(last, "@") + (size_t)(last - ref);
    const char *colon = memchr(last, ':', end - (size_t)(last - ref));

    *tag = NULL;
    if (colon != NULL) {
        *tag = strndup(colon + 1, end - (size_t)(colon + 1 - ref));
        end = (size_t)(colon - ref);
    }
    *repo = strndup(ref, end);
    return (*repo == NULL || (colon != NULL && *tag == NULL)) ? -1 : 0;
}

char *sbom_purl_image(const struct moat_image_meta *meta)
{
    struct moat_purl_qual q[3];
    const char *digest, *ref, *base;
    char *repo = NULL, *tag = NULL, *name = NULL, *out = NULL;
    int tagged;
    size_t nq = 0;

    if (meta == NULL)
        return NULL;
    /* The manifest digest names the artifact in a registry; the config digest (image id) otherwise.
     */
    digest = meta->manifest_digest != NULL ? meta->manifest_digest : meta->config_digest;
    if (digest == NULL || digest[0] == '\0')
        return NULL;
    tagged = meta->n_tags > 0 && meta->tags[0] != NULL && meta->tags[0][0] != '\0';
    ref = tagged                                          ? meta->tags[0]
          : (meta->name != NULL && meta->name[0] != '\0') ? meta->name
                                                          : "image";
    if (split_tag(ref, &repo, &tag) < 0)
        goto out;
    base = strrchr(repo, '/');
    name = str_lower(base != NULL && base[1] != '\0' ? base + 1 : repo);
    if (name == NULL || name[0] == '\0')
        goto out;
    q[nq++] = (struct moat_purl_qual){"arch", meta->architecture};
    /* Only a tagged reference with a path is a location; a file path or bare name is not. */
    q[nq++] = (struct moat_purl_qual){"repository_url", tagged && base != NULL ? repo : NULL};
    q[nq++] = (struct moat_purl_qual){"tag", tagged ? tag : NULL};
    out = sbom_purl_build("oci", NULL, name, digest, q, nq);
out:
    free(repo);
    free(tag);
    free(name);
    return out;
}
