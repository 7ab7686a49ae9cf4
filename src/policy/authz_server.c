/*
 * authz_server.c - the plugin's HTTP side: libmicrohttpd on a unix socket
 * moat creates itself (MHD only listens on TCP on its own), one thread per
 * connection answering its requests in turn with moat_authz_handle(): the
 * daemon keeps a few connections alive, and a slow engine lookup on one
 * connection never holds up the others. Request
 * bodies are collected up to MOAT_AUTHZ_MAX_REQUEST; anything larger is
 * answered as a malformed request, which denies.
 */
#include "moat/policy/authz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>

#include "moat/base/buf.h"

#define PLUGIN_MIME "application/vnd.docker.plugins.v1+json"

struct moat_authz_server {
    struct MHD_Daemon *mhd;
    struct moat_authz *az;
    char *path;
};

struct conn {
    struct moat_buf body;
    int too_big;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, char *json)
{
    struct MHD_Response *r;
    enum MHD_Result ok;

    r = MHD_create_response_from_buffer(strlen(json), json, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(json);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, PLUGIN_MIME);
    ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state)
{
    struct moat_authz_server *s = cls;
    struct conn *k = *state;
    unsigned status = 200;
    char *resp = NULL;

    (void)version;
    if (k == NULL) {
        k = calloc(1, sizeof *k);
        if (k == NULL)
            return MHD_NO;
        k->body.max = MOAT_AUTHZ_MAX_REQUEST;
        *state = k;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!k->too_big && moat_buf_append(&k->body, upload, *upload_size) < 0) {
            k->too_big = 1;
            moat_buf_free(&k->body);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0) {
        resp = strdup("{\"Allow\":false,\"Msg\":\"\",\"Err\":\"plugin calls are POST\"}");
        return resp != NULL ? answer(c, 405, resp) : MHD_NO;
    }
    /* an over-long request is handed on as empty: malformed, denied and audited */
    if (moat_authz_handle(s->az, url, k->too_big ? "" : k->body.data, k->too_big ? 0 : k->body.len,
                          &resp, &status) < 0 ||
        resp == NULL)
        return MHD_NO;
    return answer(c, status, resp);
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
                    enum MHD_RequestTerminationCode why)
{
    struct conn *k = *state;

    (void)cls;
    (void)c;
    (void)why;
    if (k != NULL) {
        moat_buf_free(&k->body);
        free(k);
        *state = NULL;
    }
}

/* A listening unix socket at path; a stale socket file is replaced, a live one refused. */
static int listen_unix(const char *path, int *fd_out, struct moat_err *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct stat st;
    int fd;

    if (strlen(path) >= sizeof sa.sun_path)
        return moat_err_set(err, MOAT_E_ARG, "%s: socket path longer than %zu bytes", path,
                            sizeof sa.sun_path - 1);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return moat_err_set(err, MOAT_E_ARG, "%s: exists and is not a socket", path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            close(fd);
            return moat_err_set(err, MOAT_E_IO, "%s: another server is listening there", path);
        }
        if (fd >= 0)
            close(fd);
        unlink(path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return moat_err_set(err, MOAT_E_IO, "socket: %s", strerror(errno));
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(path, 0660) != 0 ||
        listen(fd, 128) != 0) {
        int e = errno;

        close(fd);
        return moat_err_set(err, MOAT_E_IO, "%s: %s", path, strerror(e));
    }
    *fd_out = fd;
    return 0;
}

int moat_authz_server_start(struct moat_authz *az, const char *socket_path,
                            struct moat_authz_server **out, struct moat_err *err)
{
    struct moat_authz_server *s;
    int fd = -1, rc;

    *out = NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(socket_path)) == NULL) {
        free(s);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    s->az = az;
    if ((rc = listen_unix(socket_path, &fd, err)) < 0) {
        free(s->path);
        free(s);
        return rc;
    }
    s->mhd = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL, 0, NULL,
        NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_NOTIFY_COMPLETED,
        on_done, s, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)30, MHD_OPTION_END);
    if (s->mhd == NULL) {
        close(fd);
        unlink(socket_path);
        free(s->path);
        free(s);
        return moat_err_set(err, MOAT_E_IO, "%s: cannot start the HTTP server", socket_path);
    }
    *out = s;
    return 0;
}

void moat_authz_server_stop(struct moat_authz_server *s)
{
    if (s == NULL)
        return;
    MHD_stop_daemon(s->mhd); /* closes the listening socket */
    unlink(s->path);
    free(s->path);
    free(s);
}
