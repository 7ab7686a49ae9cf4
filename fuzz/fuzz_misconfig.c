/* room: check */
/*
 * fuzz_misconfig.c - libFuzzer target for the image config checks of moat_misconfig_run (no
 * filesystem, no inventory). The input is lines, each a field of the image config:
 *   U:<user>  E:<env NAME=value>  P:<exposed port>  H:<history created_by>  h:<the same, an
 *   empty_layer step>  C:<created>  K:<healthcheck test word>  L:<layer count>
 *   A:<max age days>  T:<now, unix seconds>
 * Other lines are ignored. Lines keep any byte but NUL and newline.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "moat/check/misconfig.h"

#define FZ_MAX 64 /* entries per list: the checks are linear, more adds nothing */

struct fz_list {
    char *v[FZ_MAX];
    size_t n;
};

static void push(struct fz_list *l, const char *s, size_t n)
{
    if (l->n < FZ_MAX && (l->v[l->n] = strndup(s, n)) != NULL)
        l->n++;
}

static long long number(const char *s, size_t n)
{
    long long v = 0;
    size_t neg = n > 0 && s[0] == '-';

    for (size_t i = neg; i < n && i < 18u + neg && s[i] >= '0' && s[i] <= '9';
         i++) /* no overflow */
        v = v * 10 + (s[i] - '0');
    return neg ? -v : v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_list env = {0}, ports = {0}, hist = {0}, health = {0};
    int empty[FZ_MAX] = {0};
    struct moat_history history[FZ_MAX];
    struct moat_layer_info layers[FZ_MAX];
    struct moat_image_meta meta = {0};
    struct moat_misconfig_opts opts = {0};
    struct moat_findings out = {0};
    struct moat_err err = MOAT_ERR_INIT;
    const char *p = (const char *)data, *end = p + size;
    char *user = NULL, *created = NULL;
    size_t n_layers = 0;

    opts.now = 1767225600; /* 2026-01-01: fixed, so a run is reproducible */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl != NULL ? nl : end;
        size_t n = (size_t)(le - p);

        if (n >= 2 && p[1] == ':') {
            const char *v = p + 2;
            size_t vn = n - 2;

            switch (p[0]) {
            case 'U':
                free(user);
                user = strndup(v, vn);
                break;
            case 'E':
                push(&env, v, vn);
                break;
            case 'P':
                push(&ports, v, vn);
                break;
            case 'H':
            case 'h':
                if (hist.n < FZ_MAX)
                    empty[hist.n] = p[0] == 'h';
                push(&hist, v, vn);
                break;
            case 'C':
                free(created);
                created = strndup(v, vn);
                break;
            case 'K':
                push(&health, v, vn);
                break;
            case 'L':
                n_layers = (size_t)number(v, vn) % (FZ_MAX + 1);
                break;
            case 'A':
                opts.max_age_days = (uint32_t)number(v, vn);
                break;
            case 'T':
                opts.now = number(v, vn);
                break;
            }
        }
        p = le + 1;
    }
    memset(history, 0, sizeof(history));
    memset(layers, 0, sizeof(layers));
    for (size_t i = 0; i < hist.n; i++) {
        history[i].created_by = hist.v[i];
        history[i].empty_layer = empty[i];
    }
    meta.transport = "docker-archive";
    meta.user = user;
    meta.created = created;
    meta.env = env.v;
    meta.n_env = env.n;
    meta.exposed_ports = ports.v;
    meta.n_exposed_ports = ports.n;
    meta.healthcheck = health.n > 0 ? health.v : NULL;
    meta.n_healthcheck = health.n;
    meta.history = history;
    meta.n_history = hist.n;
    meta.layers = layers;
    meta.n_layers = n_layers;

    if (moat_misconfig_run(&meta, NULL, NULL, &opts, &out, &err) == 0) {
        /* every finding is complete: a rule id from the table, a title, a path */
        for (size_t i = 0; i < out.n; i++)
            if (moat_misconfig_rule_find(out.v[i].rule_id) == NULL || out.v[i].title == NULL ||
                out.v[i].path == NULL)
                abort();
    }
    moat_findings_free(&out);
    moat_err_clear(&err);
    free(user);
    free(created);
    for (size_t i = 0; i < FZ_MAX; i++) {
        free(i < env.n ? env.v[i] : NULL);
        free(i < ports.n ? ports.v[i] : NULL);
        free(i < hist.n ? hist.v[i] : NULL);
        free(i < health.n ? health.v[i] : NULL);
    }
    return 0;
}
