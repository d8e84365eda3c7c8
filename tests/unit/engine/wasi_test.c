/*
** The WASI unit (engine/src/wasi*.c): host functions called from a small WAT
** module, with the context's capabilities given by the test: buffers and
** their limits, bad guest pointers, unsupported calls, poll_oneoff clocks,
** arguments and environment, paths beneath a preopen (both resolvers).
*/
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "wasi_impl.h"
#include "wf/text.h"

static const char *wat =
    "(module\n"
    "  (import \"wasi_snapshot_preview1\" \"fd_write\" (func $fd_write (param i32 i32 i32 i32) "
    "(result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"fd_read\" (func $fd_read (param i32 i32 i32 i32) "
    "(result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"sock_accept\" (func $sock_accept (param i32 i32 i32) "
    "(result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"poll_oneoff\" (func $poll (param i32 i32 i32 i32) "
    "(result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"args_sizes_get\" (func $args_sizes (param i32 i32) "
    "(result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"environ_get\" (func $environ_get (param i32 i32) "
    "(result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"path_open\" (func $path_open (param i32 i32 i32 i32 "
    "i32 i64 i64 i32 i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"path_create_directory\" (func $mkdir (param i32 i32 "
    "i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"fd_close\" (func $close (param i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $exit (param i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (func (export \"write\") (param i32 i32 i32 i32) (result i32)\n"
    "    (call $fd_write (local.get 0) (local.get 1) (local.get 2) (local.get 3)))\n"
    "  (func (export \"read\") (param i32 i32 i32 i32) (result i32)\n"
    "    (call $fd_read (local.get 0) (local.get 1) (local.get 2) (local.get 3)))\n"
    "  (func (export \"accept\") (result i32) (call $sock_accept (i32.const 3) (i32.const 0) "
    "(i32.const 0)))\n"
    "  (func (export \"poll\") (param i32 i32 i32 i32) (result i32)\n"
    "    (call $poll (local.get 0) (local.get 1) (local.get 2) (local.get 3)))\n"
    "  (func (export \"args_sizes\") (param i32 i32) (result i32) (call $args_sizes (local.get 0) "
    "(local.get 1)))\n"
    "  (func (export \"environ_get\") (param i32 i32) (result i32) (call $environ_get (local.get "
    "0) (local.get 1)))\n"
    "  (func (export \"open\") (param i32 i32 i32 i32 i64 i32) (result i32)\n"
    "    (call $path_open (local.get 0) (i32.const 1) (local.get 1) (local.get 2) (local.get 3)\n"
    "      (local.get 4) (i64.const -1) (i32.const 0) (local.get 5)))\n"
    "  (func (export \"mkdir\") (param i32 i32 i32) (result i32) (call $mkdir (local.get 0) "
    "(local.get 1) (local.get 2)))\n"
    "  (func (export \"close\") (param i32) (result i32) (call $close (local.get 0)))\n"
    "  (func (export \"exit\") (param i32) (call $exit (local.get 0))))\n";

typedef struct fixture {
    wf_module_t *module;
    wf_wasi_t *wasi;
    wf_instance_t *instance;
    uint8_t *mem;
} fixture_t;

static int setup(fixture_t *f, const wf_wasi_config_t *config)
{
    memset(f, 0, sizeof *f);
    uint8_t *bytes;
    size_t size;
    wf_error_info_t err;
    if (wf_wat_to_wasm(wat, strlen(wat), &bytes, &size, &err) != WF_OK) {
        fprintf(stderr, "wat: %u:%u %s\n", err.line, err.column, err.message);
        return -1;
    }
    wf_err_t rc = wf_module_load(NULL, bytes, size, &f->module, &err);
    wf_wat_free(bytes);
    if (rc != WF_OK)
        return -1;
    if (wf_wasi_new(config, &f->wasi, &err) != WF_OK) {
        fprintf(stderr, "wasi: %s\n", err.message);
        return -1;
    }
    wf_extern_t imports[16];
    if (wf_wasi_link(f->wasi, f->module, imports, &err) != WF_OK)
        return -1;
    if (wf_instance_new(f->module, imports, wf_module_import_count(f->module), NULL, &f->instance,
                        &err) != WF_OK)
        return -1;
    f->mem = wf_memory_data(wf_instance_memory(f->instance, 0));
    return 0;
}

static void teardown(fixture_t *f)
{
    wf_instance_free(f->instance);
    wf_wasi_free(f->wasi);
    wf_module_free(f->module);
}

/* Calls an export with i32 arguments (an i64 where the type says so). */
static int32_t call(fixture_t *f, const char *name, int n, const int64_t *args, wf_err_t *rc_out,
                    wf_error_info_t *err_out)
{
    wf_extern_t ext;
    if (wf_instance_export(f->instance, name, &ext) != WF_OK)
        return -999;
    wf_functype_t type = wf_func_type(ext.of.func);
    wf_val_t vals[8], result = {0};
    for (int i = 0; i < n; i++) {
        vals[i].type = (wf_valtype_t)type.params[i];
        if (type.params[i] == WF_I64)
            vals[i].of.i64 = args[i];
        else
            vals[i].of.i32 = (int32_t)args[i];
    }
    wf_error_info_t err;
    wf_err_t rc = wf_func_call(ext.of.func, vals, (size_t)n, &result, type.result_count, &err);
    if (rc_out)
        *rc_out = rc;
    if (err_out)
        *err_out = err;
    return rc == WF_OK ? result.of.i32 : -1000;
}

static void put32(uint8_t *p, uint32_t v)
{
    wasi_put_u32(p, v);
}

static void test_streams(void)
{
    const uint8_t input[] = "stdin bytes";
    wf_wasi_config_t config = {0};
    config.stdin_ = (wf_wasi_stdio_t){
        .kind = WF_WASI_STDIO_BUFFER, .input = input, .input_size = sizeof input - 1};
    config.stdout_ = (wf_wasi_stdio_t){.kind = WF_WASI_STDIO_BUFFER, .output_limit = 10};
    fixture_t f;
    if (setup(&f, &config) < 0) {
        CHECK(!"setup");
        return;
    }
    /* iovec at 0: 6 bytes at 100 */
    memcpy(f.mem + 100, "hello!", 6);
    put32(f.mem, 100);
    put32(f.mem + 4, 6);
    int64_t w[] = {1, 0, 1, 16};
    CHECK_INT(call(&f, "write", 4, w, NULL, NULL), 0);
    CHECK_INT(wasi_get_u32(f.mem + 16), 6);
    const uint8_t *out;
    size_t out_len;
    CHECK(!wf_wasi_output(f.wasi, 1, &out, &out_len));
    CHECK_INT(out_len, 6);
    CHECK(out_len == 6 && !memcmp(out, "hello!", 6));
    /* The next write passes the 10-byte limit: a trap, and the flag. */
    wf_err_t rc;
    wf_error_info_t err;
    call(&f, "write", 4, w, &rc, &err);
    CHECK_INT(rc, WF_ERR_TRAP_HOST);
    CHECK(strstr(err.message, "output limit") != NULL);
    CHECK(wf_wasi_output(f.wasi, 1, &out, &out_len));
    /* Bad pointers are EFAULT, never a trap. */
    int64_t bad[] = {1, 65530, 1, 16};
    CHECK_INT(call(&f, "write", 4, bad, NULL, NULL), WASI_EFAULT);
    put32(f.mem, 65535);
    put32(f.mem + 4, 6);
    int64_t bad_buf[] = {1, 0, 1, 16};
    CHECK_INT(call(&f, "write", 4, bad_buf, NULL, NULL), WASI_EFAULT);
    int64_t bad_fd[] = {77, 0, 1, 16};
    CHECK_INT(call(&f, "write", 4, bad_fd, NULL, NULL), WASI_EBADF);
    /* stdin from the buffer, then end of file. */
    put32(f.mem, 200);
    put32(f.mem + 4, 64);
    int64_t r[] = {0, 0, 1, 16};
    CHECK_INT(call(&f, "read", 4, r, NULL, NULL), 0);
    CHECK_INT(wasi_get_u32(f.mem + 16), sizeof input - 1);
    CHECK(!memcmp(f.mem + 200, "stdin bytes", 11));
    CHECK_INT(call(&f, "read", 4, r, NULL, NULL), 0);
    CHECK_INT(wasi_get_u32(f.mem + 16), 0);
    /* Unsupported: ENOSYS. proc_exit: WF_ERR_EXIT with the status. */
    CHECK_INT(call(&f, "accept", 0, NULL, NULL, NULL), WASI_ENOSYS);
    int64_t status[] = {7};
    call(&f, "exit", 1, status, &rc, &err);
    CHECK_INT(rc, WF_ERR_EXIT);
    CHECK_INT(err.exit_code, 7);
    teardown(&f);
}

static void test_args_env_poll(void)
{
    const char *argv[] = {"prog", "a", "bc"};
    const char *env[] = {"K=V", "EMPTY="};
    wf_wasi_config_t config = {.argc = 3, .argv = argv, .envc = 2, .env = env};
    fixture_t f;
    if (setup(&f, &config) < 0) {
        CHECK(!"setup");
        return;
    }
    int64_t sizes[] = {0, 4};
    CHECK_INT(call(&f, "args_sizes", 2, sizes, NULL, NULL), 0);
    CHECK_INT(wasi_get_u32(f.mem), 3);
    CHECK_INT(wasi_get_u32(f.mem + 4), 5 + 2 + 3);
    int64_t envs[] = {0, 100};
    CHECK_INT(call(&f, "environ_get", 2, envs, NULL, NULL), 0);
    CHECK_INT(wasi_get_u32(f.mem), 100);
    CHECK_STR((char *)f.mem + 100, "K=V");
    CHECK_STR((char *)f.mem + wasi_get_u32(f.mem + 4), "EMPTY=");

    /* poll_oneoff: one relative 20 ms monotonic clock subscription at 1000. */
    uint8_t *sub = f.mem + 1000;
    memset(sub, 0, 48);
    wasi_put_u64(sub, 0xABCD);
    sub[8] = 0;
    wasi_put_u32(sub + 16, 1);
    wasi_put_u64(sub + 24, 20000000);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t p[] = {1000, 2000, 1, 3000};
    CHECK_INT(call(&f, "poll", 4, p, NULL, NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    CHECK(ns >= 20000000);
    CHECK_INT(wasi_get_u32(f.mem + 3000), 1);
    CHECK_INT(wasi_get_u64(f.mem + 2000), 0xABCD);
    CHECK_INT(wasi_get_u16(f.mem + 2008), 0);
    int64_t none[] = {1000, 2000, 0, 3000};
    CHECK_INT(call(&f, "poll", 4, none, NULL, NULL), WASI_EINVAL);
    teardown(&f);
}

/* Opens path (written at 500) beneath fd 3; returns the errno. */
static int32_t open_path(fixture_t *f, const char *path, int64_t rights, int oflags)
{
    size_t len = strlen(path);
    memcpy(f->mem + 500, path, len);
    int64_t args[] = {3, 500, (int64_t)len, oflags, rights, 16};
    int32_t rc = call(f, "open", 6, args, NULL, NULL);
    if (rc == 0) {
        int64_t fd[] = {wasi_get_u32(f->mem + 16)};
        call(f, "close", 1, fd, NULL, NULL);
    }
    return rc;
}

static void test_paths(const char *root, bool read_only)
{
    wf_wasi_preopen_t pre = {.host_path = root, .guest_path = "/root", .read_only = read_only};
    wf_wasi_config_t config = {.preopens = &pre, .preopen_count = 1};
    fixture_t f;
    if (setup(&f, &config) < 0) {
        CHECK(!"setup");
        return;
    }
    int64_t read = WASI_RIGHT_FD_READ, write = WASI_RIGHT_FD_WRITE;
    CHECK_INT(open_path(&f, "in/file.txt", read, 0), 0);
    CHECK_INT(open_path(&f, "in/../in/file.txt", read, 0), 0);
    CHECK_INT(open_path(&f, "../secret.txt", read, 0), WASI_ENOTCAPABLE);
    CHECK_INT(open_path(&f, "in/../../secret.txt", read, 0), WASI_ENOTCAPABLE);
    CHECK_INT(open_path(&f, "/etc/passwd", read, 0), WASI_ENOTCAPABLE);
    CHECK_INT(open_path(&f, "in/up/secret.txt", read, 0), WASI_ENOTCAPABLE);
    CHECK_INT(open_path(&f, "in/abs", read, 0), WASI_ENOTCAPABLE);
    CHECK_INT(open_path(&f, "in/same", read, 0), 0);
    CHECK_INT(open_path(&f, "missing", read, 0), WASI_ENOENT);
    CHECK_INT(open_path(&f, "new.txt", write, 1 /* creat */), read_only ? WASI_EROFS : 0);
    CHECK_INT(open_path(&f, "in/file.txt", write, 0), read_only ? WASI_EROFS : 0);
    const char *dir = "made";
    memcpy(f.mem + 600, dir, 4);
    int64_t mk[] = {3, 600, 4};
    CHECK_INT(call(&f, "mkdir", 3, mk, NULL, NULL), read_only ? WASI_EROFS : 0);
    memcpy(f.mem + 600, "../x", 4);
    CHECK_INT(call(&f, "mkdir", 3, mk, NULL, NULL), read_only ? WASI_EROFS : WASI_ENOTCAPABLE);
    teardown(&f);
}

static void test_walk(const char *root)
{
    int dir = open(root, O_RDONLY | O_DIRECTORY);
    int fd = wf__wasi_os_open_walk(dir, "in/file.txt", O_RDONLY, 0);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    fd = wf__wasi_os_open_walk(dir, "in/./../in//file.txt", O_RDONLY, 0);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    fd = wf__wasi_os_open_walk(dir, "in/same", O_RDONLY, 0);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    CHECK_INT(wf__wasi_os_open_walk(dir, "in/same", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
    CHECK_INT(wf__wasi_os_open_walk(dir, "../secret.txt", O_RDONLY, 0), -EXDEV);
    CHECK_INT(wf__wasi_os_open_walk(dir, "in/../../secret.txt", O_RDONLY, 0), -EXDEV);
    CHECK_INT(wf__wasi_os_open_walk(dir, "/etc/passwd", O_RDONLY, 0), -EXDEV);
    CHECK_INT(wf__wasi_os_open_walk(dir, "in/up/secret.txt", O_RDONLY, 0), -EXDEV);
    CHECK_INT(wf__wasi_os_open_walk(dir, "in/abs", O_RDONLY, 0), -EXDEV);
    CHECK_INT(wf__wasi_os_open_walk(dir, "in/loop", O_RDONLY, 0), -ELOOP);
    CHECK_INT(wf__wasi_os_open_walk(dir, "missing/x", O_RDONLY, 0), -ENOENT);
    close(dir);
}

int main(void)
{
    test_streams();
    test_args_env_poll();

    /* TMP/root/in/file.txt, TMP/secret.txt, links: in/up -> ../.., in/abs ->
       /etc/passwd, in/same -> file.txt, in/loop -> loop. */
    char tmp[] = "/tmp/wf_wasi_test_XXXXXX";
    if (!mkdtemp(tmp)) {
        CHECK(!"mkdtemp");
        return TEST_DONE();
    }
    char root[256], path[512];
    snprintf(root, sizeof root, "%s/root", tmp);
    mkdir(root, 0755);
    snprintf(path, sizeof path, "%s/in", root);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/in/file.txt", root);
    FILE *file = fopen(path, "w");
    if (file) {
        fputs("inside\n", file);
        fclose(file);
    }
    snprintf(path, sizeof path, "%s/secret.txt", tmp);
    file = fopen(path, "w");
    if (file)
        fclose(file);
    snprintf(path, sizeof path, "%s/in/up", root);
    CHECK_INT(symlink("../..", path), 0);
    snprintf(path, sizeof path, "%s/in/abs", root);
    CHECK_INT(symlink("/etc/passwd", path), 0);
    snprintf(path, sizeof path, "%s/in/same", root);
    CHECK_INT(symlink("file.txt", path), 0);
    snprintf(path, sizeof path, "%s/in/loop", root);
    CHECK_INT(symlink("loop", path), 0);

    test_walk(root);
    test_paths(root, true);
    test_paths(root, false);

    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", tmp);
    CHECK_INT(system(command), 0);
    return TEST_DONE();
}
