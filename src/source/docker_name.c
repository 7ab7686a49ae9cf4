/*
 * docker_name.c - Docker image names (see docker_name.h): the
 * distribution/reference grammar checked by hand, one small function per rule,
 * and the Hub's defaults and aliases.
 */
#include "moat/source/docker_name.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool alnum(char c)
{
    return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool word(char c)
{
    return alnum(c) || c == '_';
}

/* [a-z0-9]+ ((. | _ | __ | -+) [a-z0-9]+)* */
static bool is_component(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t run = 0;

        while (i < n && lower_alnum(s[i]))
            i++, run++;
        if (run == 0)
            return false;
        if (i == n)
            return true;
        if (s[i] == '.') {
            i++;
        } else if (s[i] == '_') {
            i += i + 1 < n && s[i + 1] == '_' ? 2 : 1;
        } else if (s[i] == '-') {
            while (i < n && s[i] == '-')
                i++;
        } else {
            return false;
        }
        if (i == n)
            return false; /* a separator ends the component */
    }
    return n > 0;
}

static bool is_path(const char *s, size_t n)
{
    size_t start = 0;

    for (size_t i = 0; i <= n; i++)
        if (i == n || s[i] == '/') {
            if (!is_component(s + start, i - start))
                return false;
            start = i + 1;
        }
    return true;
}

/* label ('.' label)* [':' [0-9]+], label := [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9] */
static bool is_domain(const char *s, size_t n)
{
    size_t host = n, i = 0;
    const char *colon = memchr(s, ':', n);

    if (colon != NULL) {
        host = (size_t)(colon - s);
        if (host + 1 == n)
            return false;
        for (size_t k = host + 1; k < n; k++)
            if (s[k] < '0' || s[k] > '9')
                return false;
    }
    while (i < host) {
        size_t start = i;

        while (i < host && (alnum(s[i]) || s[i] == '-'))
            i++;
        if (i == start || s[start] == '-' || s[i - 1] == '-')
            return false;
        if (i < host && s[i] != '.')
            return false;
        if (i < host && ++i == host)
            return false; /* a trailing '.' */
    }
    return host > 0;
}

/* [\w][\w.-]{0,127} */
static bool is_tag(const char *s, size_t n)
{
    if (n == 0 || n > 128 || !word(s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!word(s[i]) && s[i] != '.' && s[i] != '-')
            return false;
    return true;
}

/* An algorithm the engine can verify, with its lower-case hex of the right length. */
static bool is_digest(const char *s, size_t n)
{
    static const struct {
        const char *alg;
        size_t hex;
    } algs[] = {{"sha256:", 64}, {"sha384:", 96}, {"sha512:", 128}};

    for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
        size_t l = strlen(algs[a].alg);

        if (n != l + algs[a].hex || memcmp(s, algs[a].alg, l) != 0)
            continue;
        for (size_t i = l; i < n; i++)
            if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                return false;
        return true;
    }
    return false;
}

/* The Hub's other names; s is already lower case. */
static const char *domain_alias(const char *s)
{
    return strcmp(s, "index.docker.io") == 0 || strcmp(s, "registry-1.docker.io") == 0 ? "docker.io"
                                                                                       : s;
}

/* Whether the first part of a name (before its first '/') is a registry host. */
static bool looks_like_domain(const char *s, size_t n)
{
    return memchr(s, '.', n) != NULL || memchr(s, ':', n) != NULL ||
           (n == 9 && memcmp(s, "localhost", 9) == 0);
}

static int bad(struct moat_err *err, const char *s, const char *why)
{
    return moat_err_set(err, MOAT_E_FORMAT, "image name '%.200s': %s", s, why);
}

int moat_docker_name_parse(const char *s, struct moat_docker_name *out, struct moat_err *err)
{
    size_t len = strnlen(s, 1024), path_len, i;
    const char *slash = strchr(s, '/'), *rest = s, *tag, *at;
    char domain[MOAT_DOCKER_NAME_MAX + 1];

    memset(out, 0, sizeof *out);
    if (len == 0 || len >= 1024)
        return bad(err, s, "empty or too long");
    for (i = 0; i < len && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')); i++)
        ;
    if (i == 64 && len == 64)
        return bad(err, s, "a 64-hex image id, not a name");
    if (slash != NULL && looks_like_domain(s, (size_t)(slash - s))) {
        size_t dn = (size_t)(slash - s);

        if (dn > MOAT_DOCKER_NAME_MAX || !is_domain(s, dn))
            return bad(err, s, "invalid registry host");
        for (i = 0; i < dn; i++)
            domain[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
        domain[dn] = '\0';
        rest = slash + 1;
    } else {
        memcpy(domain, "docker.io", 10);
    }
    snprintf(out->domain, sizeof out->domain, "%s", domain_alias(domain));
    path_len = strcspn(rest, ":@");
    for (i = 0; i < path_len; i++)
        if (rest[i] >= 'A' && rest[i] <= 'Z')
            return bad(err, s, "repository name must be lowercase");
    if (!is_path(rest, path_len))
        return bad(err, s, "invalid repository name");
    if (strcmp(out->domain, "docker.io") == 0 && memchr(rest, '/', path_len) == NULL) {
        if (path_len + 8 > MOAT_DOCKER_NAME_MAX)
            return bad(err, s, "name longer than 255 bytes");
        memcpy(out->path, "library/", 8);
        memcpy(out->path + 8, rest, path_len);
    } else {
        if (path_len > MOAT_DOCKER_NAME_MAX)
            return bad(err, s, "name longer than 255 bytes");
        memcpy(out->path, rest, path_len);
    }
    if (strlen(out->domain) + 1 + strlen(out->path) > MOAT_DOCKER_NAME_MAX)
        return bad(err, s, "name longer than 255 bytes");
    tag = rest + path_len;
    at = strchr(tag, '@');
    if (*tag == ':') {
        size_t tn = (at != NULL ? (size_t)(at - tag) : strlen(tag)) - 1;

        if (!is_tag(tag + 1, tn))
            return bad(err, s, "invalid tag");
        memcpy(out->tag, tag + 1, tn);
    } else if (*tag != '\0' && *tag != '@') {
        return bad(err, s, "invalid reference");
    }
    if (at != NULL) {
        if (!is_digest(at + 1, strlen(at + 1)))
            return bad(err, s, "invalid digest");
        memcpy(out->digest, at + 1, strlen(at + 1));
    }
    return 0;
}

int moat_docker_name_normalize(const char *s, char **out, struct moat_err *err)
{
    struct moat_docker_name n;
    int rc;

    *out = NULL;
    if ((rc = moat_docker_name_parse(s, &n, err)) < 0)
        return rc;
    if (asprintf(out, "%s/%s%s%s%s%s", n.domain, n.path, n.tag[0] ? ":" : "", n.tag,
                 n.digest[0] ? "@" : "", n.digest) < 0) {
        *out = NULL;
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    return 0;
}

static bool under(const char *p, size_t n, const char *name)
{
    if (n == 0 || strncmp(p, name, n) != 0)
        return false;
    return p[n - 1] == '/' || name[n] == '\0' || name[n] == '/' || name[n] == ':' || name[n] == '@';
}

bool moat_docker_name_under(const char *prefix, const char *normalized)
{
    char p[1100], dom[MOAT_DOCKER_NAME_MAX + 1];
    size_t dn = strcspn(prefix, "/"), n;
    const char *path = prefix + dn;
    int w;

    if (dn == 0 || dn > MOAT_DOCKER_NAME_MAX || strlen(prefix) >= 1024)
        return false;
    for (size_t i = 0; i < dn; i++)
        dom[i] = (char)(prefix[i] >= 'A' && prefix[i] <= 'Z' ? prefix[i] - 'A' + 'a' : prefix[i]);
    dom[dn] = '\0';
    w = snprintf(p, sizeof p, "%s%s", domain_alias(dom), path);
    if (w < 0 || (size_t)w >= sizeof p)
        return false;
    n = (size_t)w;
    if (under(p, n, normalized))
        return true;
    /* "docker.io/nginx" is the official image docker.io/library/nginx */
    if (strcmp(domain_alias(dom), "docker.io") == 0 && path[0] == '/' &&
        strchr(path + 1, '/') == NULL && path[1] != '\0') {
        w = snprintf(p, sizeof p, "docker.io/library%s", path);
        return w > 0 && (size_t)w < sizeof p && under(p, (size_t)w, normalized);
    }
    return false;
}
