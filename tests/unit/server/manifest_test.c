/* Tests server/manifest.c: parsing, strictness, canonical-ABI checks. */
#include "manifest.h"
#include "test.h"

static int parse(const char *text, wf_manifest_t **m, char *err)
{
    return wf_manifest_parse(text, strlen(text), m, err, 256);
}

int main(void)
{
    wf_manifest_t *m;
    char err[256];
    CHECK_INT(wf_manifest_parse(NULL, 0, &m, err, sizeof err), 0);
    CHECK(!m->reuse);
    CHECK_INT(m->timeout_ms, -1);
    wf_manifest_free(m);

    CHECK_INT(
        parse("{\"instance\": \"reuse\", \"limits\": {\"timeout_ms\": 300, \"fuel\": 5},"
              "\"exports\": {\"greet\": {\"params\": [\"string\"], \"results\": [\"string\"]}}}",
              &m, err),
        0);
    CHECK(m->reuse);
    CHECK_INT(m->timeout_ms, 300);
    CHECK_INT(m->fuel, 5);
    CHECK_INT(m->memory_pages, -1);
    const wf_manifest_export_t *x = wf_manifest_find(m, "greet");
    CHECK(x != NULL);
    CHECK(wf_manifest_find(m, "other") == NULL);
    if (x) {
        uint8_t two_i32[2] = {0x7F, 0x7F}, one_i32[1] = {0x7F}, i64[1] = {0x7E};
        bool rp;
        CHECK_INT(wf_manifest_check_export(x, 2, two_i32, 2, two_i32, &rp, err, sizeof err), 0);
        CHECK(!rp);
        CHECK_INT(wf_manifest_check_export(x, 2, two_i32, 1, one_i32, &rp, err, sizeof err), 0);
        CHECK(rp);
        CHECK_INT(wf_manifest_check_export(x, 1, one_i32, 1, one_i32, &rp, err, sizeof err), -1);
        CHECK_INT(wf_manifest_check_export(x, 2, two_i32, 1, i64, &rp, err, sizeof err), -1);
    }
    wf_manifest_free(m);

    /* Unknown keys and bad values are errors naming the key. */
    CHECK_INT(parse("{\"colour\": 1}", &m, err), -1);
    CHECK(strstr(err, "colour") != NULL);
    CHECK_INT(parse("{\"limits\": {\"timeout\": 1}}", &m, err), -1);
    CHECK(strstr(err, "timeout") != NULL);
    CHECK_INT(parse("{\"limits\": {\"timeout_ms\": 0}}", &m, err), -1);
    CHECK_INT(parse("{\"limits\": {\"timeout_ms\": 1.5}}", &m, err), -1);
    CHECK_INT(parse("{\"instance\": \"sometimes\"}", &m, err), -1);
    CHECK_INT(parse("{\"exports\": {\"f\": {\"params\": [\"int\"]}}}", &m, err), -1);
    CHECK(strstr(err, "int") != NULL);
    CHECK_INT(parse("{\"exports\": {\"f\": {\"params\": [], \"ret\": []}}}", &m, err), -1);
    CHECK_INT(parse("[]", &m, err), -1);
    CHECK_INT(parse("{", &m, err), -1);
    CHECK(m == NULL);
    return TEST_DONE();
}
