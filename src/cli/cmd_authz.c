/*
 * cmd_authz.c - `moat authz`: serve admission decisions to the Docker
 * daemon as an authorization plugin on a unix socket until SIGINT/SIGTERM.
 * The protocol, caching and server live in policy/authz*.c.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "moat/event/audit.h"
#include "moat/policy/admit.h"
#include "moat/policy/authz.h"
#include "moat/policy/evidence.h"

static void authz_usage(FILE *f)
{
    fputs("Usage: moat authz --policy admit.yaml --socket PATH [OPTIONS]\n"
          "       moat authz --verify-log FILE\n"
          "\n"
          "Serve the admission policy to the Docker daemon as an authorization plugin\n"
          "(dockerd --authorization-plugin=NAME finds /run/docker/plugins/NAME.sock).\n"
          "Requests are routed as the daemon routes them; container create, start,\n"
          "restart, exec and update, volume create, build, plugin installs and swarm\n"
          "services are denied when they break the policy, and when a body they need is\n"
          "missing, empty or truncated (fail closed). Endpoints moat does not know follow\n"
          "the policy's unknown_endpoints (default deny); other requests are allowed.\n"
          "Every decision is appended to the audit log (docs/admission.md).\n"
          "\n"
          "Options:\n"
          "  -p, --policy FILE     admission policy (docs/admission.md)\n"
          "  -s, --socket PATH     unix socket to listen on (created; mode 0660)\n"
          "      --audit-log FILE  hash-chained JSON Lines audit log (created 0600)\n"
          "      --audit-sync MS   flush the audit log to disk from a background thread at\n"
          "                        most every MS ms (default 20); 0 flushes before each\n"
          "                        answer (each decision then waits for the disk)\n"
          "      --engine URL      the engine's API socket, unix:///run/docker.sock or\n"
          "                        unix:///run/podman/podman.sock: images are resolved to\n"
          "                        ids, containers and volumes looked up, on every request\n"
          "      --cache-ttl SECS  how long the evidence about an image id (custody, scans)\n"
          "                        is reused (default 60, 0 = never)\n"
          "      --cache-size N    image ids whose evidence is kept (default 1024)\n"
          "      --verify-log FILE check the hash chain of an audit log and exit: prints the\n"
          "                        line count and the last line's sha256 (keep it elsewhere\n"
          "                        to notice lines cut from the end)\n"
          "  -h, --help            show this help\n"
          "\n"
          "Exit status: 0 after SIGINT or SIGTERM (--verify-log: the chain is intact),\n"
          "1 on an error (--verify-log: the chain is broken), 2 on a usage error.\n",
          f);
}

static int evidence_hook(const struct moat_admit_policy *p, const struct moat_image_meta *meta,
                         int64_t now, struct moat_admit_evidence *out, struct moat_err *err)
{
    return moat_admit_evidence_gather(p, meta, NULL, 0, now, out, err);
}

static int verify_log(const char *path)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_audit_head head;
    int rc;

    if (moat_audit_verify(path, &head, &err) < 0) {
        rc = cli_fail(&err);
        moat_err_clear(&err);
        return rc;
    }
    printf("%s: %llu lines, chain intact, last line sha256 %s\n", path,
           (unsigned long long)head.lines, head.lines > 0 ? head.hash : "-");
    return MOAT_EXIT_OK;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;

    errno = 0;
    *out = strtoul(s, &end, 10);
    return *s >= '0' && *s <= '9' && *end == '\0' && errno == 0 && *out <= max ? 0 : -1;
}

int moat_cmd_authz(int argc, char **argv)
{
    enum { OPT_AUDIT = 256, OPT_ENGINE, OPT_TTL, OPT_SIZE, OPT_SYNC, OPT_VERIFY };
    static const struct option longopts[] = {
        {"policy", required_argument, NULL, 'p'},
        {"socket", required_argument, NULL, 's'},
        {"audit-log", required_argument, NULL, OPT_AUDIT},
        {"engine", required_argument, NULL, OPT_ENGINE},
        {"audit-sync", required_argument, NULL, OPT_SYNC},
        {"verify-log", required_argument, NULL, OPT_VERIFY},
        {"cache-ttl", required_argument, NULL, OPT_TTL},
        {"cache-size", required_argument, NULL, OPT_SIZE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *verify_path = NULL, *policy_path = NULL, *socket_path = NULL, *audit_path = NULL,
               *engine = NULL;
    unsigned long ttl = 60, size = 1024, sync_ms = 20;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_admit_policy *policy = NULL;
    struct moat_audit *audit = NULL;
    struct moat_authz *az = NULL;
    struct moat_authz_server *srv = NULL;
    struct moat_authz_opts o = {0};
    sigset_t set;
    int c, sig, rc = MOAT_EXIT_FAIL;

    optind = 1;
    while ((c = getopt_long(argc, argv, "p:s:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            policy_path = optarg;
            break;
        case 's':
            socket_path = optarg;
            break;
        case OPT_AUDIT:
            audit_path = optarg;
            break;
        case OPT_ENGINE:
            if (strncmp(optarg, "unix://", 7) != 0 && optarg[0] != '/') {
                cli_error("authz: --engine: only unix sockets (unix:///path), got '%s'", optarg);
                return MOAT_EXIT_USAGE;
            }
            engine = optarg;
            break;
        case OPT_VERIFY:
            verify_path = optarg;
            break;
        case OPT_SYNC:
            if (parse_uint(optarg, 60000, &sync_ms) < 0) {
                cli_error("authz: --audit-sync: expected 0-60000 ms, got '%s'", optarg);
                return MOAT_EXIT_USAGE;
            }
            break;
        case OPT_TTL:
            if (parse_uint(optarg, 86400, &ttl) < 0) {
                cli_error("authz: --cache-ttl: expected 0-86400 seconds, got '%s'", optarg);
                return MOAT_EXIT_USAGE;
            }
            break;
        case OPT_SIZE:
            if (parse_uint(optarg, 1u << 20, &size) < 0 || size == 0) {
                cli_error("authz: --cache-size: expected 1-1048576, got '%s'", optarg);
                return MOAT_EXIT_USAGE;
            }
            break;
        case 'h':
            authz_usage(stdout);
            return MOAT_EXIT_OK;
        default:
            return cli_usage_error(argv[0]);
        }
    }
    if (verify_path != NULL && optind == argc && policy_path == NULL && socket_path == NULL)
        return verify_log(verify_path);
    if (policy_path == NULL || socket_path == NULL || optind != argc) {
        cli_error("authz: --policy and --socket are required, and nothing else (see 'moat "
                  "authz --help')");
        return MOAT_EXIT_USAGE;
    }
    /* signals are taken synchronously by this thread; the server threads never see them */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (moat_admit_policy_load(policy_path, &policy, &err) < 0)
        goto out;
    if (audit_path != NULL && (moat_audit_open(audit_path, &audit, &err) < 0 ||
                               moat_audit_sync_every(audit, (unsigned)sync_ms, &err) < 0))
        goto out;
    o.policy = policy;
    o.engine_socket = engine;
    o.evidence = evidence_hook;
    o.audit = audit;
    o.cache_size = size;
    o.cache_ttl_ms = (uint64_t)ttl * 1000;
    if (moat_authz_new(&o, &az, &err) < 0 ||
        moat_authz_server_start(az, socket_path, &srv, &err) < 0)
        goto out;
    fprintf(stderr, "moat: authz plugin listening on %s\n", socket_path);
    while (sigwait(&set, &sig) != 0)
        ;
    rc = MOAT_EXIT_OK;
out:
    if (err.code != 0)
        cli_fail(&err);
    moat_authz_server_stop(srv);
    moat_authz_free(az);
    moat_audit_close(audit);
    moat_admit_policy_free(policy);
    curl_global_cleanup();
    moat_err_clear(&err);
    return rc;
}
