/*
 * cyclonedx.c - CycloneDX 1.5 JSON with "vulnerabilities" (a VEX/VDR BOM).
 *
 * The BOM part is exactly what `moat sbom --format cyclonedx` writes: the
 * sbom/ writer produces it (same metadata, components, bom-refs and
 * dependencies) and this file only appends "vulnerabilities". Each
 * vulnerability names the components it affects by their bom-ref (looked
 * up by purl, else name and version; a package the inventory lacks, as when
 * scanning an SBOM file, is added as a component of its own).
 *
 * One entry per vulnerability id and VEX verdict: id, source {name, url},
 * references (the aliases), ratings [{source, severity, score, method
 * CVSSv2/CVSSv3/CVSSv31/CVSSv4/other, vector}: the severity's rating by
 * whoever rated (Debian's urgency is method "other"), then the CVSS score
 * NVD gives when the severity came from a word], description, recommendation
 * ("Upgrade X to Y"), advisories (the http(s) references), published,
 * updated, affects [{ref, versions}], and analysis {state, justification,
 * detail} when a VEX statement covered it.
 */
#include "report_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "moat/sbom/sbom.h"

static int add(json_t *o, const char *k, json_t *v)
{
    return v == NULL ? -1 : json_object_set_new(o, k, v);
}

static const char *rating_method(const char *vector)
{
    if (vector == NULL)
        return NULL;
    if (strncmp(vector, "CVSS:3.1/", 9) == 0)
        return "CVSSv31";
    if (strncmp(vector, "CVSS:3.0/", 9) == 0)
        return "CVSSv3";
    if (strncmp(vector, "CVSS:4.0/", 9) == 0)
        return "CVSSv4";
    if (strncmp(vector, "AV:", 3) == 0)
        return "CVSSv2";
    return "other";
}

static const char *cdx_severity(enum moat_severity s)
{
    static const char *const names[] = {"unknown", "low", "medium", "high", "critical"};

    return names[s <= MOAT_SEV_CRITICAL ? s : 0];
}

/* CycloneDX impactAnalysisJustification for an OpenVEX label or a CycloneDX one; NULL = none fits.
 */
static const char *cdx_justification(const char *j)
{
    static const char *const cdx[] = {
        "code_not_present",     "code_not_reachable",     "requires_configuration",
        "requires_dependency",  "requires_environment",   "protected_by_compiler",
        "protected_at_runtime", "protected_at_perimeter", "protected_by_mitigating_control"};
    static const struct {
        const char *openvex, *cdx;
    } map[] = {
        {"component_not_present", "code_not_present"},
        {"vulnerable_code_not_present", "code_not_present"},
        {"vulnerable_code_not_in_execute_path", "code_not_reachable"},
        {"vulnerable_code_cannot_be_controlled_by_adversary", "requires_environment"},
        {"inline_mitigations_already_exist", "protected_by_mitigating_control"},
    };

    if (j == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(cdx) / sizeof(cdx[0]); i++)
        if (strcmp(j, cdx[i]) == 0)
            return cdx[i];
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(j, map[i].openvex) == 0)
            return map[i].cdx;
    return NULL;
}

static json_t *analysis(const struct moat_finding *f)
{
    json_t *a = json_object();
    const char *state = f->vex == MOAT_VEX_NOT_AFFECTED ? "not_affected"
                        : f->vex == MOAT_VEX_FIXED      ? "resolved"
                        : f->vex == MOAT_VEX_AFFECTED   ? "exploitable"
                                                        : "in_triage";
    const char *j = cdx_justification(f->vex_justification);
    int bad = a == NULL;

    bad |= moat_json_set_str(a, "state", state);
    if (f->vex == MOAT_VEX_NOT_AFFECTED && j != NULL)
        bad |= moat_json_set_str(a, "justification", j);
    bad |= moat_json_set_str_opt(a, "detail", f->vex_justification);
    if (bad) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static int is_http(const char *s)
{
    if (s == NULL || (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("\"<>\\^`{|}", *p) != NULL)
            return 0;
    return 1;
}

/* A rating's "source" from a severity_source: "nvd" NVD, "nvd:X" NVD (X), "debian" Debian... */
static int add_rating_source(json_t *r, const char *s)
{
    static const struct {
        const char *key, *name;
    } NAMES[] = {{"nvd", "NVD"},     {"debian", "Debian"}, {"alpine", "Alpine"},
                 {"ghsa", "GitHub"}, {"osv", "OSV"},       {"ubuntu", "Ubuntu"}};
    json_t *src;
    char *name = NULL;
    int bad;

    if (s == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]) && name == NULL; i++) {
        size_t n = strlen(NAMES[i].key);

        if (strcmp(s, NAMES[i].key) == 0)
            name = strdup(NAMES[i].name);
        else if (strncmp(s, NAMES[i].key, n) == 0 && s[n] == ':' &&
                 asprintf(&name, "%s (%s)", NAMES[i].name, s + n + 1) < 0)
            return -1;
    }
    src = json_object();
    bad = src == NULL || moat_json_set_str(src, "name", name != NULL ? name : s) < 0;
    free(name);
    if (bad) {
        json_decref(src);
        return -1;
    }
    return json_object_set_new(r, "source", src);
}

static const char *source_name(const struct moat_finding *f)
{
    const char *ds = f->data_source;

    if (ds == NULL || ds[0] == '\0')
        return strncmp(report_rule_id(f), "CVE-", 4) == 0 ? "NVD" : "moat";
    return ds;
}

/* A new vulnerability object for the first finding of a group (affects is filled by the caller). */
static json_t *vuln_entry(const struct moat_finding *f)
{
    json_t *v = json_object(), *src = json_object(), *ratings = json_array(), *r = json_object(),
           *refs = json_array(), *adv = json_array();
    const char *method = rating_method(f->cvss_vector);
    int bad =
        v == NULL || src == NULL || ratings == NULL || r == NULL || refs == NULL || adv == NULL;

    bad |= moat_json_set_str(v, "id", report_rule_id(f));
    bad |= moat_json_set_str(src, "name", source_name(f));
    if (is_http(f->primary_url))
        bad |= moat_json_set_str(src, "url", f->primary_url);
    bad |= json_object_set_new(v, "source", src);
    for (size_t i = 0; i < f->n_aliases; i++) {
        json_t *ref = json_object(), *rs = json_object();
        const char *a = f->aliases[i];

        if (a == NULL || strcmp(a, report_rule_id(f)) == 0) {
            json_decref(ref);
            json_decref(rs);
            continue;
        }
        bad |= ref == NULL || rs == NULL;
        bad |= moat_json_set_str(ref, "id", a);
        bad |=
            moat_json_set_str(rs, "name",
                              strncmp(a, "GHSA-", 5) == 0                                ? "GitHub"
                              : strncmp(a, "CVE-", 4) == 0                               ? "NVD"
                              : strncmp(a, "DSA-", 4) == 0 || strncmp(a, "DLA-", 4) == 0 ? "Debian"
                                                                                         : "moat");
        bad |= json_object_set_new(ref, "source", rs);
        bad |= json_array_append_new(refs, ref);
    }
    if (json_array_size(refs) > 0)
        bad |= json_object_set_new(v, "references", refs);
    else
        json_decref(refs);
    /*
     * The severity's rating, by whoever rated. A rating word (Debian's
     * urgency) is method "other", followed by the CVSS score known for the
     * finding (NVD's) as a rating of its own.
     */
    bool word = f->severity_vector == NULL && f->severity_source != NULL;
    const char *vec = f->severity_vector != NULL ? f->severity_vector : f->cvss_vector;

    bad |= add_rating_source(r, f->severity_source);
    if (!word && vec != NULL) {
        const char *m = rating_method(vec);

        if (f->cvss_score >= 0.0 && f->cvss_score <= 10.0)
            bad |= add(r, "score", json_real(f->cvss_score));
        bad |= moat_json_set_str(r, "method", m != NULL ? m : "other");
        bad |= moat_json_set_str(r, "vector", vec);
    } else if (word) {
        bad |= moat_json_set_str(r, "method", "other");
    }
    bad |= moat_json_set_str(r, "severity", cdx_severity(f->severity));
    bad |= json_array_append_new(ratings, r);
    if (word && f->cvss_vector != NULL && f->cvss_score >= 0.0 && f->cvss_score <= 10.0) {
        json_t *c = json_object();

        bad |= c == NULL;
        bad |= add_rating_source(c, f->cvss_source);
        bad |= add(c, "score", json_real(f->cvss_score));
        bad |= moat_json_set_str(c, "method", method != NULL ? method : "other");
        bad |= moat_json_set_str(c, "vector", f->cvss_vector);
        bad |= json_array_append_new(ratings, c);
    }
    bad |= json_object_set_new(v, "ratings", ratings);
    bad |=
        moat_json_set_str_opt(v, "description", f->description != NULL ? f->description : f->title);
    if (f->title != NULL && f->description != NULL)
        bad |= moat_json_set_str_opt(v, "detail", f->title);
    for (size_t i = 0; i < f->n_references; i++) {
        if (!is_http(f->references[i]))
            continue;
        json_t *a = json_object();

        bad |= a == NULL || moat_json_set_str(a, "url", f->references[i]) < 0;
        bad |= json_array_append_new(adv, a);
    }
    if (json_array_size(adv) > 0)
        bad |= json_object_set_new(v, "advisories", adv);
    else
        json_decref(adv);
    bad |= moat_json_set_str_opt(v, "published", f->published);
    bad |= moat_json_set_str_opt(v, "updated", f->modified);
    if (f->vex != MOAT_VEX_NONE)
        bad |= add(v, "analysis", analysis(f));
    if (bad) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* bom-ref of the component for f's package, adding a component when there is none. */
static const char *component_ref(json_t *comps, json_t *by_purl, const struct moat_finding *f)
{
    json_t *c, *ref;
    char *key = NULL;
    size_t i;
    const char *r;

    if (f->pkg_purl != NULL && (ref = json_object_get(by_purl, f->pkg_purl)) != NULL)
        return json_string_value(ref);
    json_array_foreach(comps, i, c)
    {
        const char *n = json_string_value(json_object_get(c, "name"));
        const char *v = json_string_value(json_object_get(c, "version"));

        if (n != NULL && f->pkg_name != NULL && strcmp(n, f->pkg_name) == 0 && v != NULL &&
            f->pkg_version != NULL && strcmp(v, f->pkg_version) == 0 &&
            json_string_value(json_object_get(c, "bom-ref")) != NULL)
            return json_string_value(json_object_get(c, "bom-ref"));
    }
    /* Not in the inventory: add the package as a component of its own. */
    if (asprintf(&key, "moat:finding-package:%s@%s", f->pkg_name != NULL ? f->pkg_name : "unknown",
                 f->pkg_version != NULL ? f->pkg_version : "") < 0)
        return NULL;
    c = json_object();
    if (c == NULL || moat_json_set_str(c, "bom-ref", f->pkg_purl != NULL ? f->pkg_purl : key) < 0 ||
        moat_json_set_str(c, "type", "library") < 0 ||
        moat_json_set_str(c, "name", f->pkg_name != NULL ? f->pkg_name : "unknown") < 0 ||
        moat_json_set_str_opt(c, "version", f->pkg_version) < 0 ||
        moat_json_set_str_opt(c, "purl", f->pkg_purl) < 0 || json_array_append_new(comps, c) < 0) {
        free(key);
        return NULL;
    }
    free(key);
    r = json_string_value(json_object_get(c, "bom-ref"));
    if (f->pkg_purl != NULL &&
        json_object_set(by_purl, f->pkg_purl, json_object_get(c, "bom-ref")) < 0)
        return NULL;
    return r;
}

static int same_group(const struct moat_finding *a, const struct moat_finding *b)
{
    const char *ja = a->vex_justification != NULL ? a->vex_justification : "";
    const char *jb = b->vex_justification != NULL ? b->vex_justification : "";

    return strcmp(report_rule_id(a), report_rule_id(b)) == 0 && a->vex == b->vex &&
           strcmp(ja, jb) == 0;
}

static int add_vulnerabilities(json_t *doc, const struct moat_findings *fs)
{
    json_t *comps = json_object_get(doc, "components"), *by_purl = json_object(),
           *vulns = json_array(), *c;
    unsigned char *done = NULL;
    size_t i;
    int bad = vulns == NULL || by_purl == NULL;

    if (comps == NULL) {
        comps = json_array();
        bad |= json_object_set_new(doc, "components", comps) < 0;
    }
    json_array_foreach(comps, i, c)
    {
        const char *p = json_string_value(json_object_get(c, "purl"));
        json_t *ref = json_object_get(c, "bom-ref");

        if (p != NULL && ref != NULL && json_object_get(by_purl, p) == NULL)
            bad |= json_object_set(by_purl, p, ref) < 0;
    }
    if (fs->n > 0) {
        done = calloc(fs->n, 1);
        bad |= done == NULL;
    }
    for (i = 0; !bad && i < fs->n; i++) {
        const struct moat_finding *f = &fs->v[i];
        json_t *v, *affects, *recs = NULL;
        struct moat_buf rec = MOAT_BUF_INIT;

        if (done[i] || f->kind != MOAT_FINDING_VULN)
            continue;
        v = vuln_entry(f);
        affects = json_array();
        bad |= v == NULL || affects == NULL;
        for (size_t j = i; !bad && j < fs->n; j++) {
            const struct moat_finding *g = &fs->v[j];
            json_t *a, *vers, *ver;
            const char *ref;
            char *r;

            if (done[j] || g->kind != MOAT_FINDING_VULN || !same_group(f, g))
                continue;
            done[j] = 1;
            ref = component_ref(comps, by_purl, g);
            a = json_object();
            vers = json_array();
            ver = json_object();
            bad |= ref == NULL || a == NULL || vers == NULL || ver == NULL;
            bad |= moat_json_set_str(a, "ref", ref);
            if (g->pkg_version != NULL) {
                bad |= moat_json_set_str(ver, "version", g->pkg_version);
                bad |= moat_json_set_str(ver, "status",
                                         report_suppressed(g) ? "unaffected" : "affected");
                bad |= json_array_append_new(vers, ver);
                bad |= json_object_set_new(a, "versions", vers);
            } else {
                json_decref(ver);
                json_decref(vers);
            }
            bad |= json_array_append_new(affects, a);
            r = report_recommendation(g);
            if (r != NULL && strstr(rec.data != NULL ? rec.data : "", r) == NULL)
                bad |= moat_buf_appendf(&rec, "%s%s", rec.len > 0 ? "; " : "", r) < 0;
            free(r);
        }
        if (rec.len > 0)
            recs = moat_json_str(rec.data);
        moat_buf_free(&rec);
        if (recs != NULL)
            bad |= json_object_set_new(v, "recommendation", recs) < 0;
        bad |= json_object_set_new(v, "affects", affects);
        bad |= json_array_append_new(vulns, v);
    }
    free(done);
    json_decref(by_purl);
    bad |= json_object_set_new(doc, "vulnerabilities", vulns);
    return bad ? -1 : 0;
}

int report_write_cyclonedx(FILE *f, const struct report_run *run, const struct moat_findings *fs,
                           struct moat_err *err)
{
    const struct moat_report_ctx *ctx = run->ctx;
    struct moat_image_meta fake = {0};
    struct moat_inventory empty = {0};
    struct moat_sbom_opts opts = {run->tool_version, run->timestamp, run->uuid, 0};
    char *buf = NULL;
    size_t len = 0;
    FILE *mem;
    json_t *doc;
    json_error_t jerr;
    int r;

    if (ctx->meta == NULL) {
        fake.ref = (char *)run->target;
        fake.name = (char *)run->target;
    }
    mem = open_memstream(&buf, &len);
    if (mem == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "cyclonedx: out of memory");
    r = moat_sbom_write(mem, MOAT_SBOM_CYCLONEDX, ctx->meta != NULL ? ctx->meta : &fake,
                        ctx->inv != NULL ? ctx->inv : &empty, &opts, err);
    if (fclose(mem) != 0 && r == 0)
        r = moat_err_set(err, MOAT_E_NOMEM, "cyclonedx: out of memory");
    if (r < 0) {
        free(buf);
        return r;
    }
    doc = json_loadb(buf, len, 0, &jerr);
    free(buf);
    if (doc == NULL)
        return moat_err_set(err, MOAT_E_FORMAT,
                            "cyclonedx: the SBOM writer's output does not parse: %s", jerr.text);
    if (add_vulnerabilities(doc, fs) < 0) {
        json_decref(doc);
        return moat_err_set(err, MOAT_E_NOMEM, "cyclonedx: out of memory");
    }
    return report_dump(f, doc, "cyclonedx", err);
}
