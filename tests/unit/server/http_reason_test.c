/* Tests wf_http_reason (server/http.c): every registered status has its own
   phrase, unregistered ones their class's. */
#include "http.h"
#include "test.h"

int main(void)
{
    CHECK_STR(wf_http_reason(200), "OK");
    CHECK_STR(wf_http_reason(201), "Created");
    CHECK_STR(wf_http_reason(204), "No Content");
    CHECK_STR(wf_http_reason(301), "Moved Permanently");
    CHECK_STR(wf_http_reason(302), "Found");
    CHECK_STR(wf_http_reason(303), "See Other");
    CHECK_STR(wf_http_reason(304), "Not Modified");
    CHECK_STR(wf_http_reason(307), "Temporary Redirect");
    CHECK_STR(wf_http_reason(308), "Permanent Redirect");
    CHECK_STR(wf_http_reason(404), "Not Found");
    CHECK_STR(wf_http_reason(413), "Content Too Large");
    CHECK_STR(wf_http_reason(418), "I'm a teapot");
    CHECK_STR(wf_http_reason(422), "Unprocessable Content");
    CHECK_STR(wf_http_reason(429), "Too Many Requests");
    CHECK_STR(wf_http_reason(431), "Request Header Fields Too Large");
    CHECK_STR(wf_http_reason(500), "Internal Server Error");
    CHECK_STR(wf_http_reason(504), "Gateway Timeout");
    CHECK_STR(wf_http_reason(511), "Network Authentication Required");
    /* Unregistered codes: the class. */
    CHECK_STR(wf_http_reason(199), "Informational");
    CHECK_STR(wf_http_reason(299), "Success");
    CHECK_STR(wf_http_reason(399), "Redirection");
    CHECK_STR(wf_http_reason(499), "Client Error");
    CHECK_STR(wf_http_reason(599), "Server Error");
    /* Every code from 100 to 599 has a phrase; no 3xx is called an error. */
    for (int s = 100; s < 600; s++) {
        const char *r = wf_http_reason(s);
        CHECK(r && r[0]);
        if (s >= 300 && s < 400)
            CHECK(!strstr(r, "Error"));
    }
    return TEST_DONE();
}
