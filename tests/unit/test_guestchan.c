// SPDX-License-Identifier: MIT
/* lib/guest: the guest channel's frames (chan.h) and where a qemu command
 * line puts the channel's socket (chan_find.h). */
#include "unit.h"

#include "lib/guest/chan.h"
#include "lib/guest/chan_find.h"

static void headers(void **state)
{
	(void)state;
	uint8_t h[GCH_HEADER];
	struct gch_header got;
	gch_header_pack(h, GCH_STDOUT, 0, 300);
	assert_memory_equal(h, "NG\x05\x00\x2c\x01\x00\x00", GCH_HEADER);
	assert_int_equal(gch_header_unpack(h, &got), 0);
	assert_int_equal(got.type, GCH_STDOUT);
	assert_int_equal(got.len, 300);
	/* The largest payload, and one byte more. */
	gch_header_pack(h, GCH_STDIN, 0, GCH_MAX_PAYLOAD);
	assert_int_equal(gch_header_unpack(h, &got), 0);
	gch_header_pack(h, GCH_STDIN, 0, GCH_MAX_PAYLOAD + 1);
	assert_int_equal(gch_header_unpack(h, &got), -EBADMSG);
	/* Types 0 and past the last; another magic. */
	gch_header_pack(h, 0, 0, 0);
	assert_int_equal(gch_header_unpack(h, &got), -EBADMSG);
	gch_header_pack(h, GCH_TYPE_MAX + 1, 0, 0);
	assert_int_equal(gch_header_unpack(h, &got), -EBADMSG);
	gch_header_pack(h, GCH_PONG, 0, 1);
	h[0] = 'X';
	assert_int_equal(gch_header_unpack(h, &got), -EBADMSG);
}

static void run_payload(void **state)
{
	(void)state;
	char *in[] = { "nsh", "--json", "k8s:shop/web-0/app", "" };
	uint8_t buf[256];
	int n = gch_run_pack(4, in, buf, sizeof(buf));
	assert_int_equal(n, 4 + 7 + 19 + 1);
	char *argv[GCH_MAX_ARGS + 1];
	int argc = 0;
	assert_int_equal(gch_run_unpack(buf, (size_t)n, argv, &argc), 0);
	assert_int_equal(argc, 4);
	assert_string_equal(argv[2], "k8s:shop/web-0/app");
	assert_string_equal(argv[3], "");
	assert_null(argv[4]);
	/* Not NUL-terminated, empty, too many arguments, too small a buffer. */
	uint8_t bad[] = { 'l', 's' };
	assert_int_equal(gch_run_unpack(bad, sizeof(bad), argv, &argc), -EBADMSG);
	assert_int_equal(gch_run_unpack(buf, 0, argv, &argc), -EBADMSG);
	static uint8_t many[2 * (GCH_MAX_ARGS + 1)];
	for (size_t i = 0; i < sizeof(many); i += 2) {
		many[i] = 'a';
		many[i + 1] = '\0';
	}
	assert_int_equal(gch_run_unpack(many, sizeof(many) - 2, argv, &argc), 0);
	assert_int_equal(argc, GCH_MAX_ARGS);
	assert_int_equal(gch_run_unpack(many, sizeof(many), argv, &argc), -EBADMSG);
	assert_int_equal(gch_run_pack(4, in, buf, 10), -E2BIG);
	assert_int_equal(gch_run_pack(0, in, buf, sizeof(buf)), -E2BIG);
}

/* Frames fed a byte at a time come out whole and in order; a bad header
 * stops the reader for good. */
static void reader(void **state)
{
	(void)state;
	static struct gch_reader r;
	uint8_t stream[64];
	size_t n = 0;
	gch_header_pack(stream, GCH_HELLO, 0, 4);
	memcpy(stream + 8, "\x01\x00\x00\x00", 4);
	gch_header_pack(stream + 12, GCH_STDOUT, 0, 3);
	memcpy(stream + 20, "abc", 3);
	gch_header_pack(stream + 23, GCH_STDIN_EOF, 0, 0);
	n = 31;
	memcpy(stream + n, "XXXXXXXX", 8);
	n += 8;
	struct gch_header h;
	const uint8_t *p;
	int seen = 0;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(gch_reader_feed(&r, stream + i, 1), 1);
		int got;
		while ((got = gch_reader_next(&r, &h, &p)) == 1) {
			static const uint8_t types[] = { GCH_HELLO, GCH_STDOUT, GCH_STDIN_EOF };
			assert_true(seen < 3);
			assert_int_equal(h.type, types[seen]);
			if (h.type == GCH_STDOUT)
				assert_memory_equal(p, "abc", 3);
			seen++;
		}
		if (i < 31 + 7)
			assert_int_equal(got, 0);
		else
			assert_int_equal(got, -EBADMSG);
	}
	assert_int_equal(seen, 3);
	assert_int_equal(gch_reader_next(&r, &h, &p), -EBADMSG);
}

#define ARGS(s) s, sizeof(s) - 1

static void qemu_socket(void **state)
{
	(void)state;
	char path[108];
	/* The test bed's node. */
	static const char node[] =
		"qemu-system-x86_64\0-name\0guest=nsht-node1,debug-threads=on\0-chardev\0"
		"socket,id=ser0,path=/run/x/console.sock,server=on,wait=off\0-chardev\0"
		"socket,id=nsh0,path=/run/nsh-testbed/node/agent.sock,server=on,wait=off\0"
		"-device\0virtio-serial\0-device\0virtserialport,chardev=nsh0,name=org.nsh.agent."
		"0\0";
	assert_int_equal(gch_qemu_socket(ARGS(node), path, sizeof(path)), 0);
	assert_string_equal(path, "/run/nsh-testbed/node/agent.sock");
	/* The old bare "server" flag, and ",," in a path. */
	static const char old[] = "qemu\0-device\0virtserialport,name=org.nsh.agent.0,chardev=c\0"
				  "-chardev\0socket,path=/run/a,,b.sock,server,nowait,id=c\0";
	assert_int_equal(gch_qemu_socket(ARGS(old), path, sizeof(path)), 0);
	assert_string_equal(path, "/run/a,b.sock");
	/* No port of that name; a port on a pty; on a client socket; on a
	 * libvirt fd; on a chardev never defined; a relative path. */
	static const char other[] = "qemu\0-chardev\0socket,id=c,path=/r.sock,server=on\0-device\0"
				    "virtserialport,chardev=c,name=org.qemu.guest_agent.0\0";
	assert_int_equal(gch_qemu_socket(ARGS(other), path, sizeof(path)), -ENOENT);
	static const char pty[] = "qemu\0-chardev\0pty,id=c\0-device\0"
				  "virtserialport,chardev=c,name=org.nsh.agent.0\0";
	assert_int_equal(gch_qemu_socket(ARGS(pty), path, sizeof(path)), -EPROTONOSUPPORT);
	static const char client[] = "qemu\0-chardev\0socket,id=c,path=/r.sock\0-device\0"
				     "virtserialport,chardev=c,name=org.nsh.agent.0\0";
	assert_int_equal(gch_qemu_socket(ARGS(client), path, sizeof(path)), -EPROTONOSUPPORT);
	static const char fd[] = "qemu\0-chardev\0socket,id=c,fd=33,server=on\0-device\0"
				 "virtserialport,chardev=c,name=org.nsh.agent.0\0";
	assert_int_equal(gch_qemu_socket(ARGS(fd), path, sizeof(path)), -EPROTONOSUPPORT);
	static const char undefined[] =
		"qemu\0-device\0virtserialport,chardev=c,name=org.nsh.agent.0\0";
	assert_int_equal(gch_qemu_socket(ARGS(undefined), path, sizeof(path)), -EPROTONOSUPPORT);
	static const char relative[] =
		"qemu\0-chardev\0socket,id=c,path=r.sock,server=on\0-device\0"
		"virtserialport,chardev=c,name=org.nsh.agent.0\0";
	assert_int_equal(gch_qemu_socket(ARGS(relative), path, sizeof(path)), -EPROTONOSUPPORT);
	/* A command line that ends after -chardev. */
	static const char cut[] = "qemu\0-chardev\0";
	assert_int_equal(gch_qemu_socket(ARGS(cut), path, sizeof(path)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(headers),
		cmocka_unit_test(run_payload),
		cmocka_unit_test(reader),
		cmocka_unit_test(qemu_socket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
