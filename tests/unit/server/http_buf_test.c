/* Tests server/http_buf.c: buffers, JSON escaping, UTF-8 validation. */
#include "http_buf.h"
#include "test.h"

int main(void)
{
    wf_buf_t b;
    wf_buf_init(&b);
    wf_buf_puts(&b, "a");
    wf_buf_printf(&b, "%d-%s", 42, "x");
    CHECK_STR(b.data, "a42-x");
    for (int i = 0; i < 1000; i++)
        wf_buf_puts(&b, "0123456789");
    CHECK_INT(b.len, 5 + 10000);
    wf_buf_close(&b);

    wf_buf_json_cstr(&b, "q\"\\\n\x01é");
    CHECK_STR(b.data, "\"q\\\"\\\\\\u000a\\u0001é\"");
    wf_buf_close(&b);
    wf_buf_json_string(&b,
                       "\xff"
                       "a",
                       2);
    CHECK_STR(b.data, "\"\\ufffda\"");
    size_t len;
    char *taken = wf_buf_take(&b, &len);
    CHECK_INT(len, 9);
    free(taken);

    CHECK(wf_utf8_valid((const uint8_t *)"plain", 5));
    CHECK(wf_utf8_valid((const uint8_t *)"Grüße ✓ 😀", strlen("Grüße ✓ 😀")));
    CHECK(!wf_utf8_valid((const uint8_t *)"\xff", 1));
    CHECK(!wf_utf8_valid((const uint8_t *)"\xc0\xaf", 2));         /* overlong */
    CHECK(!wf_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!wf_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    CHECK(!wf_utf8_valid((const uint8_t *)"\xe2\x9c", 2));         /* truncated */
    return TEST_DONE();
}
