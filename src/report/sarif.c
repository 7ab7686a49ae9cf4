/*
 * sarif.c - SARIF 2.1.0 (sarif-schema-2.1.0.json, OASIS errata01) for code
 * scanning UIs such as GitHub's.
 *
 * One run; tool.driver is moat with one rule per distinct rule id (first
 * finding's text, highest severity seen). Each rule carries what GitHub
 * reads, all rule-level: name, shortDescription (the title), fullDescription
 * (what the rule detects: the ctx's rule_info, a vulnerability's advisory
 * text, else the title and CIS section), help (text and markdown, with the
 * remediation), helpUri when there is an http(s) page, and properties:
 * security-severity as a numeric string, tags (kind, "security", severity,
 * "CIS-Docker-<section>") and cis. Results give ruleId/ruleIndex, a level
 * from the severity (CRITICAL/HIGH error, MEDIUM warning, LOW/UNKNOWN note),
 * a message (the finding's own description where it has one) and one
 * location. Locations are URIs: a path inside the image is relative to the
 * base id IMAGEROOT, an image config field ("config:Env") to IMAGECONFIG, a
 * relative host path (moat lint's Dockerfiles) to %SRCROOT%, an absolute
 * host path is a file: URI; run.originalUriBaseIds says what each base is.
 * Packages point at the database file the package came from (else its purl)
 * with the package as a logical location. Findings a VEX statement
 * suppressed carry an "external" suppression with its justification.
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

static const char *level(enum moat_severity s)
{
    return s >= MOAT_SEV_HIGH ? "error" : s == MOAT_SEV_MEDIUM ? "warning" : "note";
}

/* GitHub reads >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. */
static double security_severity(const struct moat_finding *f)
{
    static const double deflt[] = {0.0, 2.0, 5.5, 8.0, 9.5};

    if (f->cvss_score >= 0.0 && f->cvss_score <= 10.0 &&
        moat_severity_from_score(f->cvss_score) == f->severity)
        return f->cvss_score;
    return deflt[f->severity <= MOAT_SEV_CRITICAL ? f->severity : 0];
}

static const char *rule_name(enum moat_finding_kind k)
{
    switch (k) {
    case MOAT_FINDING_VULN:
        return "PackageVulnerability";
    case MOAT_FINDING_SECRET:
        return "ExposedSecret";
    case MOAT_FINDING_MISCONFIG:
        return "Misconfiguration";
    case MOAT_FINDING_POLICY:
        return "PolicyViolation";
    }
    return "Finding";
}

/* An absolute http(s) URL with nothing a URI may not hold, else NULL. */
static const char *http_url(const char *s)
{
    if (s == NULL || (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0))
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("\"<>\\^`{|}", *p) != NULL)
            return NULL;
    return s;
}

static const char *nonempty(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/*
 * Percent-encode s as a URI reference: keep unreserved, sub-delims, "@/", ":" outside the first
 * segment (RFC 3986 4.2: there it would read as a scheme) and, when keep_pct, "%?#" and every
 * ":". prefix (not encoded) goes first.
 */
static char *uri_ref(const char *prefix, const char *s, int keep_pct)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s), np = strlen(prefix), o = 0;
    int first = 1;
    char *out;

    if (n > (SIZE_MAX - 1 - np) / 3)
        return NULL;
    out = malloc(np + n * 3 + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, prefix, np);
    o = np;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        first &= *p != '/';
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~!$&'()*+,;=@/", *p) != NULL || (*p == ':' && (keep_pct || !first)) ||
            (keep_pct && strchr("%?#", *p) != NULL)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    return out;
}

static json_t *text_msg(const char *text)
{
    json_t *o = json_object();

    if (o == NULL ||
        moat_json_set_str(o, "text", text != NULL && text[0] != '\0' ? text : "-") < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *md_msg(const char *text, const char *md)
{
    json_t *o = text_msg(text);

    if (o != NULL && md != NULL && moat_json_set_str(o, "markdown", md) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int add(json_t *o, const char *k, json_t *v)
{
    return v == NULL ? -1 : json_object_set_new(o, k, v);
}

/* The rule-level text of f's rule: the ctx's rule_info first, then what the finding knows. */
static void rule_text(const struct report_run *run, const struct moat_finding *f,
                      struct moat_report_rule *rt)
{
    struct moat_report_rule m = {0};

    if (run->ctx->rule_info == NULL || !run->ctx->rule_info(run->ctx->rule_info_arg, f, &m))
        memset(&m, 0, sizeof(m));
    rt->title = nonempty(m.title) != NULL    ? m.title
                : nonempty(f->title) != NULL ? f->title
                                             : report_rule_id(f);
    /* a vulnerability's description is its advisory's; the other kinds describe one finding */
    rt->description = nonempty(m.description) != NULL ? m.description
                      : f->kind == MOAT_FINDING_VULN  ? nonempty(f->description)
                                                      : NULL;
    rt->remediation = nonempty(m.remediation) != NULL ? m.remediation : nonempty(f->remediation);
    rt->help_uri = http_url(m.help_uri) != NULL ? m.help_uri : http_url(f->primary_url);
    rt->cis = nonempty(m.cis) != NULL ? m.cis : nonempty(f->cis);
}

/* A CIS section fit for a tag ("4.1"), else NULL. */
static const char *cis_section(const char *cis)
{
    size_t n = cis != NULL ? strlen(cis) : 0;

    if (n == 0 || n > 16 || strspn(cis, "0123456789.") != n)
        return NULL;
    return cis;
}

/* fullDescription: the rule's description, else its title and CIS section as sentences. */
static char *full_description(const struct moat_report_rule *rt)
{
    const char *t = rt->description != NULL ? rt->description : rt->title;
    size_t n = strlen(t);
    const char *dot = n > 0 && strchr(".!?", t[n - 1]) == NULL ? "." : "";
    char *s = NULL;

    if (rt->cis != NULL) {
        if (asprintf(&s, "%s%s See CIS Docker Benchmark section %s.", t, dot, rt->cis) < 0)
            return NULL;
    } else if (asprintf(&s, "%s%s", t, rt->description != NULL ? "" : dot) < 0) {
        return NULL;
    }
    return s;
}

/* Help text and markdown for a rule: what it is, then how to fix it. */
static int rule_help(json_t *rule, const struct moat_finding *f, const struct moat_report_rule *rt,
                     const char *desc)
{
    struct moat_buf t = MOAT_BUF_INIT, md = MOAT_BUF_INIT;
    char *rec = NULL, *fix = NULL;
    const char *remed = rt->remediation;
    int bad = 0;

    if (f->kind == MOAT_FINDING_VULN) {
        /* "Upgrade openssl to 3.0.13-1": a vulnerability's rule is tied to its package */
        rec = report_recommendation(f);
        remed = rec;
    }
    bad |= moat_buf_appendf(&t, "%s", report_rule_id(f)) < 0;
    bad |= moat_buf_appendf(&md, "**%s**", report_rule_id(f)) < 0;
    if (f->kind == MOAT_FINDING_VULN) {
        fix = report_fix_text(f);
        bad |= fix == NULL;
        bad |= moat_buf_appendf(&t, "\nPackage: %s\nInstalled version: %s\nStatus: %s",
                                f->pkg_name != NULL ? f->pkg_name : "",
                                f->pkg_version != NULL ? f->pkg_version : "",
                                fix != NULL ? fix : "") < 0;
        bad |= moat_buf_appendf(&md,
                                "\n\n| Package | Installed | Status |\n| --- | --- | --- |\n"
                                "| %s | %s | %s |",
                                f->pkg_name != NULL ? f->pkg_name : "",
                                f->pkg_version != NULL ? f->pkg_version : "",
                                fix != NULL ? fix : "") < 0;
    }
    bad |= moat_buf_appendf(&t, "\nSeverity: %s", moat_severity_name(f->severity)) < 0;
    bad |= moat_buf_appendf(&md, "\n\nSeverity: %s", moat_severity_name(f->severity)) < 0;
    if (f->cvss_vector != NULL) {
        bad |= moat_buf_appendf(&t, "\nCVSS: %s", f->cvss_vector) < 0;
        bad |= moat_buf_appendf(&md, "\n\nCVSS: `%s`", f->cvss_vector) < 0;
    }
    if (rt->cis != NULL) {
        bad |= moat_buf_appendf(&t, "\nCIS Docker Benchmark: %s", rt->cis) < 0;
        bad |= moat_buf_appendf(&md, "\n\nCIS Docker Benchmark: section %s", rt->cis) < 0;
    }
    bad |= moat_buf_appendf(&t, "\n%s", desc) < 0;
    bad |= moat_buf_appendf(&md, "\n\n%s", desc) < 0;
    if (remed != NULL) {
        bad |= moat_buf_appendf(&t, "\nRemediation: %s", remed) < 0;
        bad |= moat_buf_appendf(&md, "\n\n**Remediation:** %s", remed) < 0;
    }
    if (rt->help_uri != NULL) {
        bad |= moat_buf_appendf(&t, "\n%s", rt->help_uri) < 0;
        bad |= moat_buf_appendf(&md, "\n\n[%s](%s)", report_rule_id(f), rt->help_uri) < 0;
    }
    if (!bad)
        bad |= add(rule, "help", md_msg(t.data, md.data)) < 0;
    moat_buf_free(&t);
    moat_buf_free(&md);
    free(rec);
    free(fix);
    return bad ? -1 : 0;
}

static json_t *make_rule(const struct report_run *run, const struct moat_finding *f,
                         enum moat_severity sev)
{
    json_t *r = json_object(), *props = json_object(), *tags = json_array(), *cfg = json_object();
    struct moat_report_rule rt;
    char score[16], tag[32];
    char *full;
    struct moat_finding tmp = *f;
    const char *cis;
    int bad = r == NULL || props == NULL || tags == NULL || cfg == NULL;

    rule_text(run, f, &rt);
    cis = cis_section(rt.cis);
    full = full_description(&rt);
    bad |= full == NULL;
    tmp.severity = sev;
    snprintf(score, sizeof(score), "%.1f", security_severity(&tmp));
    bad |= moat_json_set_str(r, "id", report_rule_id(f));
    bad |= moat_json_set_str(r, "name", rule_name(f->kind));
    bad |= add(r, "shortDescription", text_msg(rt.title));
    bad |= add(r, "fullDescription", text_msg(full));
    bad |= moat_json_set_str(cfg, "level", level(sev));
    bad |= json_object_set_new(r, "defaultConfiguration", cfg);
    if (rt.help_uri != NULL)
        bad |= moat_json_set_str(r, "helpUri", rt.help_uri);
    if (!bad)
        bad |= rule_help(r, &tmp, &rt, rt.description != NULL ? rt.description : rt.title);
    bad |= moat_json_set_str(props, "security-severity", score);
    bad |= json_array_append_new(tags, json_string(report_kind_name(f->kind)));
    bad |= json_array_append_new(tags, json_string("security"));
    bad |= json_array_append_new(tags, json_string(moat_severity_name(sev)));
    if (cis != NULL) {
        snprintf(tag, sizeof(tag), "CIS-Docker-%s", cis);
        bad |= json_array_append_new(tags, json_string(tag));
        bad |= moat_json_set_str(props, "cis", cis);
    }
    bad |= json_object_set_new(props, "tags", tags);
    bad |= moat_json_set_str(props, "precision", "very-high");
    bad |= json_object_set_new(r, "properties", props);
    free(full);
    if (bad) {
        json_decref(r);
        return NULL;
    }
    return r;
}

/* URI base ids (run.originalUriBaseIds), as bits of the bases a run used. */
enum {
    BASE_IMAGE = 1,  /* IMAGEROOT: the image's filesystem root */
    BASE_CONFIG = 2, /* IMAGECONFIG: the image config; uri is a field name */
    BASE_SRC = 4,    /* %SRCROOT%: the directory moat ran in */
};

static const char *base_name(unsigned b)
{
    return b == BASE_IMAGE ? "IMAGEROOT" : b == BASE_CONFIG ? "IMAGECONFIG" : "%SRCROOT%";
}

/* A path inside the image: relative to IMAGEROOT ("/" itself is "./"). */
static char *image_uri(const char *path, unsigned *base)
{
    while (*path == '/')
        path++;
    *base = BASE_IMAGE;
    return uri_ref(path[0] == '\0' ? "./" : "", path, 0);
}

/* A path on the host, as the user named it: relative to %SRCROOT%, or a file: URI. */
static char *host_uri(const char *path, unsigned *base)
{
    if (path[0] == '/') {
        *base = 0;
        while (path[1] == '/')
            path++;
        return uri_ref("file://", path, 0);
    }
    *base = BASE_SRC;
    return uri_ref(path[0] == '\0' ? "./" : "", path, 0);
}

/* The artifact a finding is in: a uri (caller frees) and its base id (0 = absolute). */
static char *artifact_uri(const struct report_run *run, const struct moat_finding *f,
                          unsigned *base)
{
    const char *db = report_pkg_db_path(run->ctx->inv, f);
    const char *path = nonempty(f->path);
    int in_image = run->ctx->meta != NULL || f->layer >= 0;

    if (f->kind == MOAT_FINDING_VULN || (path == NULL && f->pkg_name != NULL)) {
        if (db != NULL)
            return image_uri(db, base);
        *base = 0;
        if (f->pkg_purl != NULL && strncmp(f->pkg_purl, "pkg:", 4) == 0)
            return uri_ref("", f->pkg_purl, 1);
        /* an SBOM's package: the SBOM file is the artifact */
        return in_image ? image_uri("", base) : host_uri(run->target, base);
    }
    if (path != NULL && in_image && strncmp(path, "config:", 7) == 0 && path[7] != '\0') {
        *base = BASE_CONFIG;
        return uri_ref("", path + 7, 0);
    }
    if (in_image)
        return image_uri(path != NULL ? path : "", base);
    return host_uri(path != NULL ? path : run->target, base);
}

static json_t *location(const struct report_run *run, const struct moat_finding *f, unsigned *bases)
{
    json_t *loc = json_object(), *phys = json_object(), *art = json_object(), *region = NULL;
    unsigned base = 0;
    char *uri = artifact_uri(run, f, &base);
    int bad = loc == NULL || phys == NULL || art == NULL || uri == NULL;

    bad |= moat_json_set_str(art, "uri", uri);
    if (base != 0) {
        bad |= moat_json_set_str(art, "uriBaseId", base_name(base));
        *bases |= base;
    }
    bad |= json_object_set_new(phys, "artifactLocation", art);
    if (f->line > 0 || f->kind == MOAT_FINDING_VULN) {
        region = json_object();
        bad |= region == NULL;
        bad |= add(region, "startLine", json_integer(f->line > 0 ? f->line : 1));
        bad |= json_object_set_new(phys, "region", region);
    }
    bad |= json_object_set_new(loc, "physicalLocation", phys);
    if (f->pkg_name != NULL) {
        json_t *ll = json_array(), *l = json_object();
        char *name = NULL;

        bad |= ll == NULL || l == NULL;
        if (asprintf(&name, "%s@%s", f->pkg_name, f->pkg_version != NULL ? f->pkg_version : "") < 0)
            name = NULL, bad = 1;
        bad |= moat_json_set_str(l, "name", name);
        bad |= moat_json_set_str(l, "fullyQualifiedName", f->pkg_purl != NULL ? f->pkg_purl : name);
        bad |= moat_json_set_str(l, "kind", "package");
        bad |= json_array_append_new(ll, l);
        bad |= json_object_set_new(loc, "logicalLocations", ll);
        free(name);
    }
    free(uri);
    if (bad) {
        json_decref(loc);
        return NULL;
    }
    return loc;
}

/* run.originalUriBaseIds for the bases used: what each one stands for. */
static json_t *uri_bases(const struct report_run *run, unsigned bases)
{
    json_t *o = json_object();
    const struct moat_image_meta *m = run->ctx->meta;
    const char *cfg = m != NULL && m->config_digest != NULL ? m->config_digest : NULL;
    int bad = o == NULL;

    for (unsigned b = 1; !bad && b <= BASE_SRC; b <<= 1) {
        json_t *a;
        char *text = NULL;
        int r;

        if (!(bases & b))
            continue;
        if (b == BASE_IMAGE)
            r = asprintf(&text, "The root directory of the filesystem of %s", run->target);
        else if (b == BASE_CONFIG)
            r = asprintf(&text, "The image configuration of %s%s%s; a uri is one of its fields",
                         run->target, cfg != NULL ? ", " : "", cfg != NULL ? cfg : "");
        else
            r = asprintf(&text, "The directory moat ran in");
        a = json_object();
        bad |= r < 0 || a == NULL;
        if (!bad)
            bad |= add(a, "description", text_msg(text)) < 0;
        bad |= json_object_set_new(o, base_name(b), a) < 0;
        free(r < 0 ? NULL : text);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/*
 * The result's message: the finding's own description where it has one (which file, user,
 * port), else the rule id, title and place. A secret's description is a note on where in the
 * file the match is, so it follows the usual message.
 */
static char *result_message(const struct report_run *run, const struct moat_finding *f)
{
    struct moat_report_rule rt;
    const char *desc = nonempty(f->description);
    char *base, *s = NULL;

    if (f->kind == MOAT_FINDING_VULN || desc == NULL)
        return report_message(f);
    rule_text(run, f, &rt);
    if (rt.description != NULL && strcmp(rt.description, desc) == 0)
        return report_message(f); /* the rule's text, not this finding's */
    if (f->kind != MOAT_FINDING_SECRET)
        return strdup(desc);
    base = report_message(f);
    if (base == NULL || asprintf(&s, "%s, %s", base, desc) < 0)
        s = NULL;
    free(base);
    return s;
}

static json_t *result(const struct report_run *run, const struct moat_finding *f, size_t rule_index,
                      unsigned *bases)
{
    json_t *r = json_object(), *locs = json_array(), *props = json_object();
    char *msg = result_message(run, f);
    int bad = r == NULL || locs == NULL || props == NULL || msg == NULL;

    bad |= moat_json_set_str(r, "ruleId", report_rule_id(f));
    bad |= add(r, "ruleIndex", json_integer((json_int_t)rule_index));
    bad |= moat_json_set_str(r, "kind", "fail");
    bad |= moat_json_set_str(r, "level", level(f->severity));
    bad |= add(r, "message", text_msg(msg));
    bad |= json_array_append_new(locs, location(run, f, bases));
    bad |= json_object_set_new(r, "locations", locs);
    if (report_suppressed(f)) {
        json_t *sup = json_array(), *s = json_object();
        char *just = NULL;

        bad |= sup == NULL || s == NULL;
        if (asprintf(&just, "VEX: %s%s%s", moat_vex_status_name(f->vex),
                     f->vex_justification != NULL ? ": " : "",
                     f->vex_justification != NULL ? f->vex_justification : "") < 0)
            just = NULL, bad = 1;
        bad |= moat_json_set_str(s, "kind", "external");
        bad |= moat_json_set_str(s, "status", "accepted");
        bad |= moat_json_set_str(s, "justification", just);
        bad |= json_array_append_new(sup, s);
        bad |= json_object_set_new(r, "suppressions", sup);
        free(just);
    }
    bad |= moat_json_set_str(props, "severity", moat_severity_name(f->severity));
    bad |= moat_json_set_str_opt(props, "severitySource", f->severity_source);
    bad |= moat_json_set_str_opt(props, "severityVector", f->severity_vector);
    if (f->kind == MOAT_FINDING_VULN) {
        bad |= moat_json_set_str_opt(props, "packageName", f->pkg_name);
        bad |= moat_json_set_str_opt(props, "installedVersion", f->pkg_version);
        bad |= moat_json_set_str_opt(props, "fixedVersion", f->fixed_version);
        bad |= moat_json_set_str_opt(props, "fixStatus", report_fix_name(f->fix));
        bad |= moat_json_set_str_opt(props, "purl", f->pkg_purl);
    }
    if (f->layer >= 0)
        bad |= add(props, "layer", json_integer(f->layer));
    bad |= json_object_set_new(r, "properties", props);
    free(msg);
    if (bad) {
        json_decref(r);
        return NULL;
    }
    return r;
}

/*
 * What limited the answer, as the invocation's tool execution notifications
 * (SARIF 2.1.0 3.20.21): level warning, the warning code as descriptor id.
 */
static json_t *invocations(const struct moat_warnings *w)
{
    json_t *inv = json_pack("{s:b}", "executionSuccessful", 1), *notes = json_array();
    int bad = inv == NULL || notes == NULL;

    for (size_t i = 0; !bad && i < w->n; i++) {
        char *text = moat_utf8_repair(w->v[i].message);

        bad = text == NULL ||
              json_array_append_new(notes, json_pack("{s:s, s:{s:s}, s:{s:s}}", "level", "warning",
                                                     "message", "text", text, "descriptor", "id",
                                                     w->v[i].code)) != 0;
        free(text);
    }
    if (!bad)
        bad = json_object_set_new(inv, "toolExecutionNotifications", notes) != 0;
    else
        json_decref(notes);
    if (bad) {
        json_decref(inv);
        return NULL;
    }
    return json_pack("[o]", inv);
}

int report_write_sarif(FILE *f, const struct report_run *run, const struct moat_findings *fs,
                       struct moat_err *err)
{
    json_t *doc = json_object(), *runs = json_array(), *rn = json_object(), *tool = json_object(),
           *driver = json_object(), *rules = json_array(), *results = json_array(),
           *index = json_object(), *props = json_object();
    size_t *rule_of = NULL, *first = NULL;
    enum moat_severity *sev = NULL;
    size_t n_rules = 0;
    unsigned bases = 0;
    int bad = doc == NULL || runs == NULL || rn == NULL || tool == NULL || driver == NULL ||
              rules == NULL || results == NULL || index == NULL || props == NULL;

    if (!bad && fs->n > 0) {
        rule_of = calloc(fs->n, sizeof(*rule_of));
        first = calloc(fs->n, sizeof(*first));
        sev = calloc(fs->n, sizeof(*sev));
        bad |= rule_of == NULL || first == NULL || sev == NULL;
    }
    /* Deduplicate rules by id: index maps id -> rule number. */
    for (size_t i = 0; !bad && i < fs->n; i++) {
        const struct moat_finding *fd = &fs->v[i];
        char *id = moat_utf8_repair(report_rule_id(fd));
        json_t *k;

        if (id == NULL) {
            bad = 1;
            break;
        }
        k = json_object_get(index, id);
        if (k != NULL) {
            rule_of[i] = (size_t)json_integer_value(k);
            if (fd->severity > sev[rule_of[i]])
                sev[rule_of[i]] = fd->severity;
        } else {
            rule_of[i] = n_rules;
            first[n_rules] = i;
            sev[n_rules] = fd->severity;
            bad |= json_object_set_new(index, id, json_integer((json_int_t)n_rules)) < 0;
            n_rules++;
        }
        free(id);
    }
    for (size_t r = 0; !bad && r < n_rules; r++)
        bad |= json_array_append_new(rules, make_rule(run, &fs->v[first[r]], sev[r]));
    for (size_t i = 0; !bad && i < fs->n; i++)
        bad |= json_array_append_new(results, result(run, &fs->v[i], rule_of[i], &bases));
    bad |= moat_json_set_str(doc, "$schema",
                             "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                             "sarif-schema-2.1.0.json");
    bad |= moat_json_set_str(doc, "version", "2.1.0");
    bad |= moat_json_set_str(driver, "name", "moat");
    bad |= moat_json_set_str(driver, "fullName", "moat container security toolkit");
    bad |= moat_json_set_str(driver, "version", run->tool_version);
    bad |= moat_json_set_str(driver, "informationUri", REPORT_INFO_URI);
    bad |= json_object_set_new(driver, "rules", rules);
    rules = NULL;
    bad |= json_object_set_new(tool, "driver", driver);
    driver = NULL;
    bad |= json_object_set_new(rn, "tool", tool);
    tool = NULL;
    bad |= json_object_set_new(rn, "results", results);
    results = NULL;
    bad |= moat_json_set_str(rn, "columnKind", "utf16CodeUnits");
    if (!bad && run->ctx->warnings != NULL && run->ctx->warnings->n > 0)
        bad |= add(rn, "invocations", invocations(run->ctx->warnings)) < 0;
    if (!bad && bases != 0)
        bad |= add(rn, "originalUriBaseIds", uri_bases(run, bases)) < 0;
    bad |= moat_json_set_str(props, "target", run->target);
    if (run->ctx->meta != NULL) {
        bad |= moat_json_set_str_opt(props, "imageName", run->ctx->meta->name);
        bad |= moat_json_set_str_opt(props, "manifestDigest", run->ctx->meta->manifest_digest);
        bad |= moat_json_set_str_opt(props, "configDigest", run->ctx->meta->config_digest);
    }
    bad |= moat_json_set_str_opt(props, "dbNote", run->ctx->db_note);
    bad |= moat_json_set_str(props, "timestamp", run->timestamp);
    bad |= json_object_set_new(rn, "properties", props);
    props = NULL;
    bad |= json_array_append_new(runs, rn);
    rn = NULL;
    bad |= json_object_set_new(doc, "runs", runs);
    runs = NULL;
    json_decref(rules);
    json_decref(driver);
    json_decref(tool);
    json_decref(results);
    json_decref(props);
    json_decref(rn);
    json_decref(runs);
    json_decref(index);
    free(rule_of);
    free(first);
    free(sev);
    if (bad) {
        json_decref(doc);
        return moat_err_set(err, MOAT_E_NOMEM, "sarif: out of memory");
    }
    return report_dump(f, doc, "sarif", err);
}
