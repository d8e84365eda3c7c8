/*
** A CGI function (WAGI style) in C: the request arrives as environment
** variables and stdin, the response leaves on stdout as CGI headers, a blank
** line and the body. Served by `make run` at /run/cgi_hello (and below):
**
**   curl 'localhost:8080/run/cgi_hello?name=wafer'     a greeting, 200
**   curl -d @file localhost:8080/run/cgi_hello          byte count and checksum of the body
**   curl -i 'localhost:8080/run/cgi_hello?status=418'   Status: header
**   curl -i 'localhost:8080/run/cgi_hello?go=/x'        Location: header (302)
**
** With a manifest granting a directory, an environment variable and
** arguments ("wasi": {"dirs": {"/data": "."}, "env": {"GREETING": "hi"},
** "args": ["one"]}), it also shows the first line of /data/hello.txt, the
** GREETING variable and its arguments; `?write=1` tries to create
** /data/written.txt (refused unless the grant is writable).
**
** Built with
**   clang-14 --target=wasm32-wasi -O2 -Wl,--strip-debug -o examples/cgi_hello.wasm \
**       examples/src/cgi_hello.c
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of key in a query string like "a=1&b=2", copied into out. */
static int query_value(const char *query, const char *key, char *out, size_t size)
{
    size_t key_len = strlen(key);
    for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (!strncmp(p, key, key_len) && p[key_len] == '=') {
            const char *v = p + key_len + 1;
            size_t n = strcspn(v, "&");
            if (n >= size)
                n = size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *query = getenv("QUERY_STRING");
    const char *method = getenv("REQUEST_METHOD");
    char value[256];

    if (query && query_value(query, "go", value, sizeof value)) {
        printf("Location: %s\n\n", value);
        return 0;
    }
    int status = 200;
    if (query && query_value(query, "status", value, sizeof value))
        status = atoi(value);

    /* The body: read all of stdin. */
    unsigned long long bytes = 0;
    unsigned checksum = 0;
    int c;
    while ((c = getchar()) != EOF) {
        bytes++;
        checksum = checksum * 31u + (unsigned char)c;
    }

    char name[128] = "world";
    if (query)
        query_value(query, "name", name, sizeof name);
    fprintf(stderr, "cgi_hello: %s request for %s\n", method ? method : "?", name);

    if (status != 200)
        printf("Status: %d\n", status);
    printf("Content-Type: text/plain; charset=utf-8\n");
    printf("X-Wafer-Example: cgi_hello\n");
    printf("\n");
    printf("Hello, %s!\n", name);
    printf("method: %s\n", method ? method : "");
    printf("script name: %s\n", getenv("SCRIPT_NAME") ? getenv("SCRIPT_NAME") : "");
    printf("path info: %s\n", getenv("PATH_INFO") ? getenv("PATH_INFO") : "");
    printf("query: %s\n", query ? query : "");
    printf("route: %s\n", getenv("X_MATCHED_ROUTE") ? getenv("X_MATCHED_ROUTE") : "");
    printf("user agent: %s\n", getenv("HTTP_USER_AGENT") ? getenv("HTTP_USER_AGENT") : "");
    printf("body: %llu bytes, checksum %08x\n", bytes, checksum);
    if (getenv("GREETING"))
        printf("greeting: %s\n", getenv("GREETING"));
    for (int i = 1; i < argc; i++)
        printf("argument %d: %s\n", i, argv[i]);
    FILE *file = fopen("/data/hello.txt", "r");
    if (file) {
        char line[256];
        if (fgets(line, sizeof line, file))
            printf("/data/hello.txt: %s", line);
        fclose(file);
    }
    if (query && query_value(query, "write", value, sizeof value)) {
        FILE *out = fopen("/data/written.txt", "w");
        printf("write /data/written.txt: %s\n", out ? "ok" : strerror(errno));
        if (out)
            fclose(out);
    }
    return 0;
}
