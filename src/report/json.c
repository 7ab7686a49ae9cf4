/*
 * json.c - moat's own scan JSON, schema "moat-scan/1" (docs/scan-json.md):
 * the target, an image summary, the scanners that ran, the counts, and
 * every finding with every field (absent values are null, so readers never guess whether a key is
 * missing or empty).
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

static int add(json_t *o, const char *k, json_t *v)
{
    return v == NULL ? -1 : json_object_set_new(o, k, v);
}

static json_t *image_json(const struct moat_image_meta *m)
{
    json_t *o, *layers;
    int bad;

    if (m == NULL)
        return json_null();
    o = json_object();
    layers = json_array();
    bad = o == NULL || layers == NULL;
    bad |= moat_json_set_str(o, "ref", m->ref);
    bad |= moat_json_set_str(o, "name", m->name);
    bad |= moat_json_set_str(o, "transport", m->transport);
    bad |= moat_json_set_str(o, "manifest_digest", m->manifest_digest);
    bad |= moat_json_set_str(o, "config_digest", m->config_digest);
    bad |= add(o, "tags", moat_json_str_array(m->tags, m->n_tags));
    bad |= moat_json_set_str(o, "created", m->created);
    bad |= moat_json_set_str(o, "os", m->os);
    bad |= moat_json_set_str(o, "architecture", m->architecture);
    for (size_t i = 0; !bad && i < m->n_layers; i++) {
        json_t *l = json_object();

        bad |= l == NULL;
        bad |= moat_json_set_str(l, "digest", m->layers[i].digest);
        bad |= moat_json_set_str(l, "diff_id", m->layers[i].diff_id);
        bad |= json_array_append_new(layers, l);
    }
    bad |= json_object_set_new(o, "layers", layers);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *os_json(const struct moat_inventory *inv)
{
    json_t *o;
    int bad;

    if (inv == NULL || inv->os.id == NULL)
        return json_null();
    o = json_object();
    bad = o == NULL;
    bad |= moat_json_set_str(o, "id", inv->os.id);
    bad |= moat_json_set_str(o, "version_id", inv->os.version_id);
    bad |= moat_json_set_str(o, "pretty_name", inv->os.pretty_name);
    bad |= moat_json_set_str(o, "codename", inv->os.codename);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *finding_json(const struct moat_finding *f)
{
    json_t *o = json_object(), *cvss, *pkg, *fix, *loc, *vex;
    int bad = o == NULL, is_vuln = f->kind == MOAT_FINDING_VULN;

    bad |= moat_json_set_str(o, "kind", report_kind_name(f->kind));
    bad |= moat_json_set_str(o, "rule_id", report_rule_id(f));
    bad |= add(o, "aliases", moat_json_str_array(f->aliases, f->n_aliases));
    bad |= moat_json_set_str(o, "severity", moat_severity_name(f->severity));
    bad |= moat_json_set_str(o, "severity_source", f->severity_source);
    bad |= moat_json_set_str(o, "severity_vector", f->severity_vector);
    cvss = json_object();
    bad |= cvss == NULL;
    bad |= add(cvss, "score", f->cvss_score >= 0 ? json_real(f->cvss_score) : json_null());
    bad |= moat_json_set_str(cvss, "vector", f->cvss_vector);
    bad |= moat_json_set_str(cvss, "source", f->cvss_source);
    bad |= json_object_set_new(o, "cvss", cvss);
    bad |= moat_json_set_str(o, "title", f->title);
    bad |= moat_json_set_str(o, "description", f->description);
    bad |= moat_json_set_str(o, "primary_url", f->primary_url);
    bad |= add(o, "references", moat_json_str_array(f->references, f->n_references));
    bad |= moat_json_set_str(o, "data_source", f->data_source);
    bad |= moat_json_set_str(o, "published", f->published);
    bad |= moat_json_set_str(o, "modified", f->modified);
    if (is_vuln || f->pkg_name != NULL) {
        pkg = json_object();
        bad |= pkg == NULL;
        bad |= moat_json_set_str(pkg, "type", f->pkg_type);
        bad |= moat_json_set_str(pkg, "name", f->pkg_name);
        bad |= moat_json_set_str(pkg, "version", f->pkg_version);
        bad |= moat_json_set_str(pkg, "purl", f->pkg_purl);
        bad |= moat_json_set_str(pkg, "source_name", f->src_name);
        bad |= json_object_set_new(o, "package", pkg);
    } else {
        bad |= json_object_set_new(o, "package", json_null());
    }
    if (is_vuln) {
        fix = json_object();
        bad |= fix == NULL;
        bad |= moat_json_set_str(fix, "status", report_fix_name(f->fix));
        bad |= moat_json_set_str(fix, "fixed_version",
                                 f->fix == MOAT_FIX_AVAILABLE ? f->fixed_version : NULL);
        bad |= json_object_set_new(o, "fix", fix);
    } else {
        bad |= json_object_set_new(o, "fix", json_null());
    }
    if (f->path != NULL || f->line > 0 || f->layer >= 0) {
        loc = json_object();
        bad |= loc == NULL;
        bad |= moat_json_set_str(loc, "path", f->path);
        bad |= add(loc, "line", f->line > 0 ? json_integer(f->line) : json_null());
        bad |= add(loc, "layer", f->layer >= 0 ? json_integer(f->layer) : json_null());
        bad |= json_object_set_new(o, "location", loc);
    } else {
        bad |= json_object_set_new(o, "location", json_null());
    }
    bad |= moat_json_set_str(o, "match", f->match);
    bad |= moat_json_set_str(o, "remediation", f->remediation);
    bad |= moat_json_set_str(o, "cis", f->cis);
    if (f->vex != MOAT_VEX_NONE) {
        vex = json_object();
        bad |= vex == NULL;
        bad |= moat_json_set_str(vex, "status", moat_vex_status_name(f->vex));
        bad |= moat_json_set_str(vex, "justification", f->vex_justification);
        bad |= add(vex, "suppressed", json_boolean(report_suppressed(f)));
        bad |= json_object_set_new(o, "vex", vex);
    } else {
        bad |= json_object_set_new(o, "vex", json_null());
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The scanners that ran, each once, in the order given; null when the caller did not say. */
static json_t *scanners_json(const struct moat_report_ctx *ctx)
{
    json_t *a;

    if (ctx->scanners == NULL || ctx->n_scanners == 0)
        return json_null();
    if ((a = json_array()) == NULL)
        return NULL;
    for (size_t i = 0; i < ctx->n_scanners; i++) {
        bool seen = ctx->scanners[i] == NULL;

        for (size_t j = 0; j < i && !seen; j++)
            seen = ctx->scanners[j] != NULL && strcmp(ctx->scanners[j], ctx->scanners[i]) == 0;
        if (!seen && json_array_append_new(a, moat_json_str(ctx->scanners[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* What limited the answer: [{"code", "message"}], [] when nothing did. */
static json_t *warnings_json(const struct moat_warnings *w)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && w != NULL && i < w->n; i++) {
        json_t *o = json_pack("{s:s, s:s}", "code", w->v[i].code, "message", w->v[i].message);

        if (o == NULL || json_array_append_new(a, o) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *summary_json(const struct moat_findings *fs)
{
    static const char *const kinds[] = {"vulnerability", "secret", "misconfiguration", "policy"};
    size_t sev[5] = {0}, kind[4] = {0}, suppressed = 0;
    json_t *o = json_object(), *bs = json_object(), *bk = json_object();
    int bad = o == NULL || bs == NULL || bk == NULL;

    for (size_t i = 0; i < fs->n; i++) {
        const struct moat_finding *f = &fs->v[i];

        sev[f->severity <= MOAT_SEV_CRITICAL ? f->severity : 0]++;
        if (f->kind >= MOAT_FINDING_VULN && f->kind <= MOAT_FINDING_POLICY)
            kind[f->kind - 1]++;
        suppressed += report_suppressed(f);
    }
    bad |= add(o, "total", json_integer((json_int_t)fs->n));
    bad |= add(o, "suppressed", json_integer((json_int_t)suppressed));
    for (int s = MOAT_SEV_CRITICAL; s >= MOAT_SEV_UNKNOWN; s--)
        bad |= add(bs, moat_severity_name((enum moat_severity)s), json_integer((json_int_t)sev[s]));
    for (size_t k = 0; k < 4; k++)
        bad |= add(bk, kinds[k], json_integer((json_int_t)kind[k]));
    bad |= json_object_set_new(o, "by_severity", bs);
    bad |= json_object_set_new(o, "by_kind", bk);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int report_write_json(FILE *f, const struct report_run *run, const struct moat_findings *fs,
                      struct moat_err *err)
{
    const struct moat_report_ctx *ctx = run->ctx;
    json_t *doc = json_object(), *tool = json_object(), *list = json_array();
    int bad = doc == NULL || tool == NULL || list == NULL;

    bad |= moat_json_set_str(doc, "schema", "moat-scan/1");
    bad |= moat_json_set_str(tool, "name", "moat");
    bad |= moat_json_set_str(tool, "version", run->tool_version);
    bad |= json_object_set_new(doc, "tool", tool);
    bad |= moat_json_set_str(doc, "timestamp", run->timestamp);
    bad |= moat_json_set_str(doc, "target", run->target);
    bad |= add(doc, "image", image_json(ctx->meta));
    bad |= add(doc, "os", os_json(ctx->inv));
    bad |= add(doc, "packages_scanned",
               ctx->inv != NULL ? json_integer((json_int_t)ctx->inv->n_pkgs) : json_null());
    bad |= moat_json_set_str(doc, "db_note", ctx->db_note);
    bad |= add(doc, "scanners", scanners_json(ctx));
    bad |= add(doc, "warnings", warnings_json(ctx->warnings));
    bad |= add(doc, "summary", summary_json(fs));
    for (size_t i = 0; !bad && i < fs->n; i++)
        bad |= json_array_append_new(list, finding_json(&fs->v[i]));
    bad |= json_object_set_new(doc, "findings", list);
    if (bad) {
        json_decref(doc);
        return moat_err_set(err, MOAT_E_NOMEM, "json: out of memory");
    }
    return report_dump(f, doc, "json", err);
}
