/*
** The CGI glue (server/cgi.c) end to end without HTTP: real WASI modules run
** through wf_cgi_run with a request, and the parsed responses, the 1 MB body,
** the stderr log lines and the limits are checked. Also the environment and
** the response parser on their own.
**
** usage: cgi_test CGI_HELLO.wasm WAT_DIR
*/
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cgi.h"
#include "load_file.h"
#include "test.h"

static wf_module_t *load(const char *path)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    wf_error_info_t err;
    if (wf_load_file(path, &bytes, &size, &err) != WF_OK) {
        fprintf(stderr, "cannot read %s: %s\n", path, err.message);
        return NULL;
    }
    wf_module_t *module = NULL;
    if (wf_module_load(NULL, bytes, size, &module, &err) != WF_OK)
        fprintf(stderr, "cannot load %s: %s\n", path, err.message);
    free(bytes);
    return module;
}

static const char *env_get(char **env, const char *name)
{
    size_t n = strlen(name);
    for (char **v = env; v && *v; v++)
        if (!strncmp(*v, name, n) && (*v)[n] == '=')
            return *v + n + 1;
    return NULL;
}

static void test_env(void)
{
    wf_http_header_t headers[] = {{"Host", "example.com:8081"},
                                  {"User-Agent", "curl/8"},
                                  {"Content-Type", "text/csv"},
                                  {"X-Multi", "a"},
                                  {"x-multi", "b"},
                                  {"Content-Length", "5"}};
    wf_cgi_request_t r = {.method = "POST",
                          .path = "/run/app/a%20b/c",
                          .query = "x=1&y=2",
                          .script_name = "/run/app",
                          .headers = headers,
                          .header_count = sizeof headers / sizeof headers[0],
                          .body = (const uint8_t *)"hello",
                          .body_len = 5,
                          .remote_addr = "127.0.0.1",
                          .request_id = "req-7",
                          .module_name = "app"};
    const char *grant_env[] = {"GREETING=hi", "SERVER_SOFTWARE=custom"};
    wf_cgi_grants_t grants = {.env = grant_env, .env_count = 2};
    size_t count = 0;
    char **env = wf_cgi_env_new(&r, &grants, &count);
    CHECK(env != NULL);
    CHECK_STR(env_get(env, "REQUEST_METHOD"), "POST");
    CHECK_STR(env_get(env, "SCRIPT_NAME"), "/run/app");
    CHECK_STR(env_get(env, "PATH_INFO"), "/a b/c");
    CHECK_STR(env_get(env, "X_RAW_PATH_INFO"), "/a%20b/c");
    CHECK_STR(env_get(env, "PATH_TRANSLATED"), "/a b/c");
    CHECK_STR(env_get(env, "QUERY_STRING"), "x=1&y=2");
    CHECK_STR(env_get(env, "CONTENT_TYPE"), "text/csv");
    CHECK_STR(env_get(env, "CONTENT_LENGTH"), "5");
    CHECK_STR(env_get(env, "SERVER_NAME"), "example.com");
    CHECK_STR(env_get(env, "SERVER_PORT"), "8081");
    CHECK_STR(env_get(env, "REMOTE_ADDR"), "127.0.0.1");
    CHECK_STR(env_get(env, "GATEWAY_INTERFACE"), "CGI/1.1");
    CHECK_STR(env_get(env, "SERVER_PROTOCOL"), "HTTP/1.1");
    CHECK_STR(env_get(env, "X_MATCHED_ROUTE"), "/run/app/...");
    CHECK_STR(env_get(env, "X_FULL_URL"), "http://example.com:8081/run/app/a%20b/c?x=1&y=2");
    CHECK_STR(env_get(env, "HTTP_USER_AGENT"), "curl/8");
    CHECK_STR(env_get(env, "HTTP_X_MULTI"), "a, b");
    CHECK(env_get(env, "HTTP_CONTENT_TYPE") == NULL);
    CHECK(env_get(env, "HTTP_CONTENT_LENGTH") == NULL);
    CHECK_STR(env_get(env, "GREETING"), "hi");
    CHECK_STR(env_get(env, "SERVER_SOFTWARE"), "custom");
    wf_cgi_env_free(env);
}

static void parse(const char *text, int status, const char *type, const char *headers,
                  const char *body)
{
    wf_cgi_response_t resp;
    wf_cgi_response_init(&resp);
    bool ok = wf_cgi_parse((const uint8_t *)text, strlen(text), &resp);
    CHECK_INT(resp.status, status);
    if (ok) {
        CHECK_STR(resp.content_type, type);
        CHECK_STR(resp.headers.data ? resp.headers.data : "", headers);
        CHECK_STR(resp.body.data ? resp.body.data : "", body);
    }
    wf_cgi_response_close(&resp);
}

static void test_parse(void)
{
    parse("Content-Type: text/plain\n\nhi\n", 200, "text/plain", "", "hi\n");
    parse("Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n<p>", 404, "text/html", "",
          "<p>");
    parse("Location: https://example.com/\n\n", 302, "", "Location: https://example.com/\r\n", "");
    parse("Status: 201\nContent-Type: a/b\nX-One:  1 \nContent-Length: 99\n\nbody", 201, "a/b",
          "X-One: 1\r\n", "body");
    parse("Content-Type: text/plain\n", 502, NULL, NULL, NULL); /* no blank line */
    parse("X-Only: 1\n\nbody", 502, NULL, NULL, NULL);          /* no type, status, location */
    parse("not a header\n\n", 502, NULL, NULL, NULL);
    parse("Status: abc\n\n", 502, NULL, NULL, NULL);
    parse("Status: 999\n\n", 502, NULL, NULL, NULL);
    parse("Bad Name: x\nContent-Type: a/b\n\n", 502, NULL, NULL, NULL);
    parse("", 502, NULL, NULL, NULL);
}

static wf_cgi_request_t request(const char *method, const char *path, const char *query,
                                const uint8_t *body, size_t body_len)
{
    static wf_http_header_t headers[] = {{"Host", "localhost:8080"}, {"User-Agent", "test"}};
    wf_cgi_request_t r = {.method = method,
                          .path = path,
                          .query = query,
                          .script_name = "/run/cgi_hello",
                          .headers = headers,
                          .header_count = 2,
                          .body = body,
                          .body_len = body_len,
                          .remote_addr = "127.0.0.1",
                          .request_id = "req-42",
                          .module_name = "cgi_hello"};
    return r;
}

static void test_hello(wf_module_t *hello, wf_log_t *log, int log_fd)
{
    wf_cgi_options_t options = {.log = log};
    wf_cgi_response_t resp;

    wf_cgi_request_t r = request("GET", "/run/cgi_hello/extra/path", "name=tester", NULL, 0);
    wf_cgi_response_init(&resp);
    wf_cgi_run(hello, &r, NULL, &options, &resp);
    CHECK_INT(resp.status, 200);
    CHECK_STR(resp.content_type, "text/plain; charset=utf-8");
    CHECK_STR(resp.headers.data ? resp.headers.data : "", "X-Wafer-Example: cgi_hello\r\n");
    CHECK(resp.body.data && strstr(resp.body.data, "Hello, tester!\n"));
    CHECK(resp.body.data && strstr(resp.body.data, "path info: /extra/path\n"));
    CHECK(resp.body.data && strstr(resp.body.data, "route: /run/cgi_hello/...\n"));
    CHECK(resp.body.data && strstr(resp.body.data, "user agent: test\n"));
    wf_cgi_response_close(&resp);

    r = request("GET", "/run/cgi_hello", "status=418", NULL, 0);
    wf_cgi_response_init(&resp);
    wf_cgi_run(hello, &r, NULL, &options, &resp);
    CHECK_INT(resp.status, 418);
    wf_cgi_response_close(&resp);

    r = request("GET", "/run/cgi_hello", "go=/elsewhere", NULL, 0);
    wf_cgi_response_init(&resp);
    wf_cgi_run(hello, &r, NULL, &options, &resp);
    CHECK_INT(resp.status, 302);
    CHECK_STR(resp.headers.data ? resp.headers.data : "", "Location: /elsewhere\r\n");
    wf_cgi_response_close(&resp);

    /* A 1 MB body reaches stdin intact: the program reports its checksum. */
    size_t size = 1 << 20;
    uint8_t *body = malloc(size);
    unsigned checksum = 0, x = 12345;
    for (size_t i = 0; i < size; i++) {
        x = x * 1103515245u + 12345u;
        body[i] = (uint8_t)(x >> 16);
        checksum = checksum * 31u + body[i];
    }
    char expected[128];
    snprintf(expected, sizeof expected, "body: %zu bytes, checksum %08x\n", size, checksum);
    r = request("POST", "/run/cgi_hello", "", body, size);
    wf_cgi_response_init(&resp);
    wf_cgi_run(hello, &r, NULL, &options, &resp);
    CHECK_INT(resp.status, 200);
    CHECK(resp.body.data && strstr(resp.body.data, expected));
    if (!resp.body.data || !strstr(resp.body.data, expected))
        fprintf(stderr, "expected '%s' in:\n%s\n", expected, resp.body.data);
    wf_cgi_response_close(&resp);
    free(body);

    /* stderr lines are in the log with the request id. */
    char logged[8192] = {0};
    ssize_t n = pread(log_fd, logged, sizeof logged - 1, 0);
    CHECK(n > 0);
    CHECK(strstr(logged, "req-42") != NULL);
    CHECK(strstr(logged, "cgi_hello: POST request for world") != NULL);
}

static void test_limits(const char *wat_dir, wf_log_t *log)
{
    char path[1024];
    wf_cgi_response_t resp;
    wf_cgi_request_t r = request("GET", "/run/x", "", (const uint8_t *)"abc", 3);

    snprintf(path, sizeof path, "%s/write_forever.wat", wat_dir);
    wf_module_t *m = load(path);
    CHECK(m != NULL);
    wf_cgi_options_t options = {.log = log, .max_output = 1 << 20};
    wf_cgi_response_init(&resp);
    if (m)
        wf_cgi_run(m, &r, NULL, &options, &resp);
    CHECK_INT(resp.status, 500);
    CHECK(strstr(resp.error, "output limit exceeded") != NULL);
    wf_cgi_response_close(&resp);
    wf_module_free(m);

    const char *names[] = {"read_forever.wat", "spin.wat"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", wat_dir, names[i]);
        m = load(path);
        CHECK(m != NULL);
        wf_cgi_options_t fuel = {.log = log};
        fuel.limits.fuel = 5000000;
        wf_cgi_response_init(&resp);
        if (m)
            wf_cgi_run(m, &r, NULL, &fuel, &resp);
        CHECK_INT(resp.status, 504);
        wf_cgi_response_close(&resp);
        wf_module_free(m);
    }

    snprintf(path, sizeof path, "%s/bad_imports.wat", wat_dir);
    m = load(path);
    wf_cgi_response_init(&resp);
    if (m)
        wf_cgi_run(m, &r, NULL, &options, &resp);
    CHECK_INT(resp.status, 500);
    CHECK(strstr(resp.error, "env.mystery") != NULL);
    wf_cgi_response_close(&resp);
    wf_module_free(m);
}

static void test_config(wf_module_t *hello, const char *data_dir)
{
    char err[256] = "";
    wf_cgi_config_t *config = NULL;
    const char *bad[] = {
        "{\"dirs\": [\"x\"]}",   "{\"dirs\": {\"/d\": 3}}",
        "{\"env\": {\"A\": 1}}", "{\"args\": [1]}",
        "{\"other\": 1}",        "{\"dirs\": {\"/d\": {\"host\": \"x\", \"rw\": true}}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *json = cJSON_Parse(bad[i]);
        CHECK(wf_cgi_config_parse(json, &config, err, sizeof err) == -1);
        CHECK(config == NULL);
        cJSON_Delete(json);
    }
    char text[512];
    snprintf(text, sizeof text,
             "{\"dirs\": {\"/data\": \"%s\"}, \"env\": {\"GREETING\": \"hi there\"},"
             " \"args\": [\"one\", \"two\"]}",
             data_dir);
    cJSON *json = cJSON_Parse(text);
    CHECK_INT(wf_cgi_config_parse(json, &config, err, sizeof err), 0);
    cJSON_Delete(json);
    wf_cgi_options_t options = {0};
    wf_cgi_request_t r = request("GET", "/run/cgi_hello", "", NULL, 0);
    wf_cgi_response_t resp;
    wf_cgi_response_init(&resp);
    wf_cgi_run_config(hello, &r, config, "/nonexistent", &options, &resp);
    CHECK_INT(resp.status, 200);
    const char *body = resp.body.data ? resp.body.data : "";
    CHECK(strstr(body, "greeting: hi there\n") != NULL);
    CHECK(strstr(body, "argument 1: one\nargument 2: two\n") != NULL);
    CHECK(strstr(body, "/data/hello.txt: hello from the data directory\n") != NULL);
    if (!strstr(body, "/data/hello.txt"))
        fprintf(stderr, "body:\n%s\n%s\n", body, resp.error);
    wf_cgi_response_close(&resp);
    wf_cgi_config_free(config);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: cgi_test CGI_HELLO.wasm WAT_DIR\n");
        return 2;
    }
    test_env();
    test_parse();
    char log_path[] = "/tmp/wf_cgi_test_log_XXXXXX";
    int log_fd = mkstemp(log_path);
    unlink(log_path);
    wf_log_t log;
    wf_log_init(&log, log_fd);
    wf_module_t *hello = load(argv[1]);
    CHECK(hello != NULL);
    if (hello)
        test_hello(hello, &log, log_fd);
    char data_dir[] = "/tmp/wf_cgi_test_data_XXXXXX";
    if (hello && mkdtemp(data_dir)) {
        char path[256];
        snprintf(path, sizeof path, "%s/hello.txt", data_dir);
        FILE *f = fopen(path, "w");
        if (f) {
            fputs("hello from the data directory\n", f);
            fclose(f);
        }
        test_config(hello, data_dir);
        unlink(path);
        rmdir(data_dir);
    }
    wf_module_free(hello);
    test_limits(argv[2], &log);
    close(log_fd);
    return TEST_DONE();
}
