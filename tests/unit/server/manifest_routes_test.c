/* Tests the manifest's CGI keys (server/manifest.c): "routes" and route
   matching, "wasi" grants, and their errors. */
#include "manifest.h"
#include "test.h"

static int parse(const char *text, wf_manifest_t **m, char *err)
{
    return wf_manifest_parse(text, strlen(text), m, err, 256);
}

/* The route matched for path (or "" when none) and SCRIPT_NAME's length. */
static const char *match(const wf_manifest_t *m, const char *path, size_t *script_len)
{
    static char route[WF_MANIFEST_MAX_ROUTE];
    *script_len = 0;
    if (!wf_manifest_route_match(m, "app", path, script_len, route, sizeof route))
        return "";
    return route;
}

int main(void)
{
    wf_manifest_t *m;
    char err[256];
    size_t n;

    /* No manifest: /run/<name> and below. */
    CHECK_INT(wf_manifest_parse(NULL, 0, &m, err, sizeof err), 0);
    CHECK_STR(match(m, "/run/app", &n), "/run/app/...");
    CHECK_INT(n, 8);
    CHECK_STR(match(m, "/run/app/x/y", &n), "/run/app/...");
    CHECK_INT(n, 8);
    CHECK_STR(match(m, "/run/apple", &n), "");
    CHECK_STR(match(m, "/run", &n), "");
    CHECK_STR(match(m, "/fn/app", &n), "");
    CHECK(m->wasi == NULL);
    wf_manifest_free(m);

    /* Manifest routes replace the default; the best (longest) match wins,
       an exact route over a wildcard of the same length. */
    CHECK_INT(parse("{\"routes\": [\"/hello\", \"/api/...\", \"/api/v2/...\", \"/api/v2\", "
                    "\"/...\"]}",
                    &m, err),
              0);
    CHECK_INT(m->route_count, 5);
    CHECK_STR(match(m, "/hello", &n), "/hello");
    CHECK_INT(n, 6);
    CHECK_STR(match(m, "/hello/x", &n), "/...");
    CHECK_INT(n, 0);
    CHECK_STR(match(m, "/api", &n), "/api/...");
    CHECK_INT(n, 4);
    CHECK_STR(match(m, "/api/v1/x", &n), "/api/...");
    CHECK_STR(match(m, "/api/v2", &n), "/api/v2");
    CHECK_STR(match(m, "/api/v2/x", &n), "/api/v2/...");
    CHECK_INT(n, 7);
    CHECK_STR(match(m, "/run/app", &n), "/...");
    wf_manifest_free(m);

    /* Route errors name the key. */
    static const char *const bad_routes[] = {
        "{\"routes\": []}",
        "{\"routes\": \"/x\"}",
        "{\"routes\": [\"x\"]}",
        "{\"routes\": [\"/a b\"]}",
        "{\"routes\": [\"/a?b\"]}",
        "{\"routes\": [\"/a...\"]}",
        "{\"routes\": [\"/.../a\"]}",
        "{\"routes\": [\"/fn/x\"]}",
        "{\"routes\": [\"/healthz\"]}",
        "{\"routes\": [\"/admin/...\"]}",
        "{\"routes\": [1]}",
    };
    for (size_t i = 0; i < sizeof bad_routes / sizeof bad_routes[0]; i++) {
        CHECK_INT(parse(bad_routes[i], &m, err), -1);
        CHECK(strstr(err, "routes") != NULL);
    }
    CHECK_INT(parse("{\"routes\": [\"/fnx\", \"/metrics2\"]}", &m, err), 0);
    wf_manifest_free(m);

    /* "wasi": grants parsed (cgi.c), freed with the manifest. */
    CHECK_INT(parse("{\"wasi\": {\"dirs\": {\"/data\": \"data\", \"/tmp\": {\"host\": \"t\", "
                    "\"writable\": true}}, \"env\": {\"A\": \"1\"}, \"args\": [\"x\"]}}",
                    &m, err),
              0);
    CHECK(m->wasi != NULL);
    wf_manifest_free(m);
    CHECK_INT(parse("{\"wasi\": {\"mounts\": {}}}", &m, err), -1);
    CHECK(strstr(err, "mounts") != NULL);
    CHECK_INT(parse("{\"wasi\": []}", &m, err), -1);
    CHECK(strstr(err, "wasi") != NULL);
    CHECK_INT(
        parse("{\"wasi\": {\"dirs\": {\"/d\": {\"host\": \"h\", \"writable\": 1}}}}", &m, err), -1);
    CHECK(strstr(err, "writable") != NULL);
    CHECK_INT(parse("{\"wasi\": {}, \"wasi\": {}}", &m, err), -1);
    /* Unknown top-level keys stay errors. */
    CHECK_INT(parse("{\"route\": [\"/x\"]}", &m, err), -1);
    CHECK(strstr(err, "unknown key 'route'") != NULL);
    return TEST_DONE();
}
