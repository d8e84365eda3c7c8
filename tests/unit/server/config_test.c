/* Tests config/config.c: defaults, nested keys, validation, reloadable keys. */
#include "config.h"
#include "test.h"

int main(void)
{
    wf_config_t c;
    char err[256];
    wf_config_defaults(&c);
    CHECK_STR(c.listen, "127.0.0.1:8080");
    CHECK_STR(c.modules_dir, "./modules");
    CHECK_INT(c.workers, 0);
    CHECK_INT(c.timeout_ms, 1000);
    CHECK(c.access_log);

    CHECK_INT(wf_config_load_text(&c,
                                  "{\"workers\": 4, \"limits\": {\"timeout_ms\": 300},"
                                  "\"log\": {\"format\": \"text\", \"access\": false}}",
                                  err, sizeof err),
              0);
    CHECK_INT(c.workers, 4);
    CHECK_INT(c.timeout_ms, 300);
    CHECK_STR(c.log_format, "text");
    CHECK(!c.access_log);

    /* Errors name the key and change nothing. */
    wf_config_t before = c;
    CHECK_INT(wf_config_load_text(&c, "{\"limits\": {\"timeout\": 1}}", err, sizeof err), -1);
    CHECK(strstr(err, "limits.timeout") != NULL);
    CHECK_INT(wf_config_load_text(&c, "{\"workers\": 2, \"queue_depth\": 0}", err, sizeof err), -1);
    CHECK(strstr(err, "queue_depth") != NULL);
    CHECK_INT(c.workers, before.workers);
    CHECK_INT(wf_config_load_text(&c, "{\"workers\": 1.5}", err, sizeof err), -1);
    CHECK_INT(wf_config_load_text(&c, "{\"workers\": \"2\"}", err, sizeof err), -1);
    CHECK_INT(wf_config_load_text(&c, "{\"log\": {\"level\": \"loud\"}}", err, sizeof err), -1);
    CHECK(strstr(err, "log.level") != NULL);
    CHECK_INT(wf_config_load_text(&c, "[1]", err, sizeof err), -1);
    CHECK_INT(wf_config_load_text(&c, "{", err, sizeof err), -1);

    CHECK_INT(wf_config_set(&c, "workers", "8", err, sizeof err), 0);
    CHECK_INT(c.workers, 8);
    CHECK_INT(wf_config_set(&c, "workers", "8x", err, sizeof err), -1);
    CHECK_INT(wf_config_set(&c, "nope", "1", err, sizeof err), -1);

    /* SIGHUP applies reloadable keys only. */
    wf_config_t fresh;
    wf_config_defaults(&fresh);
    fresh.timeout_ms = 42;
    fresh.workers = 99;
    wf_config_apply_reloadable(&c, &fresh);
    CHECK_INT(c.timeout_ms, 42);
    CHECK_INT(c.workers, 8);
    return TEST_DONE();
}
