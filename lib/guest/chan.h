/* SPDX-License-Identifier: MIT */
/* The guest channel's frames (doc/guest-channel.md): what `nsh vm:NAME
 * guest ...` on the host and `nsh agent` in the guest say to each other over
 * one virtio-serial port. A frame is an 8-byte header (magic "NG", type,
 * flags, payload length as 32 bits little-endian) and at most
 * GCH_MAX_PAYLOAD bytes. The port is one byte stream with no message
 * boundaries and no end: every length is checked before a byte of payload is
 * read, and the other side's bytes are untrusted in both directions (the
 * guest's owner controls the agent; a host client may be anyone who can
 * reach the socket). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GCH_PORT_NAME   "org.nsh.agent.0"
#define GCH_VERSION     1
#define GCH_HEADER      8
#define GCH_MAX_PAYLOAD 65536
/* A RUN request: at most this many arguments, each a C string. */
#define GCH_MAX_ARGS    64

enum gch_type {
	GCH_HELLO = 1,     /* both ways: u32 version; the guest adds its hostname */
	GCH_RUN = 2,       /* host to guest: flags (GCH_RUN_*), then argv, NUL-separated */
	GCH_STDIN = 3,     /* host to guest: bytes for the command's stdin */
	GCH_STDIN_EOF = 4, /* host to guest: no more stdin */
	GCH_STDOUT = 5,    /* guest to host */
	GCH_STDERR = 6,    /* guest to host */
	GCH_EXIT = 7,      /* guest to host: i32 status as a shell reports it (128+N: signal N) */
	GCH_SIGNAL = 8,    /* host to guest: i32 signal number for the command (SIGINT, SIGTERM) */
	GCH_WINSIZE = 9,   /* host to guest: u16 rows, u16 cols (a pty command) */
	GCH_ERROR = 10,    /* guest to host: one line, the agent could not run it */
	GCH_PING = 11,     /* host to guest: are you there? (a running command is silent) */
	GCH_PONG = 12,     /* guest to host: u8 1 when a command of this client still runs */
	GCH_TYPE_MAX = GCH_PONG,
};

/* RUN flags (the header's flags byte). */
enum {
	GCH_RUN_PTY = 1 << 0, /* run the command on a pty; stdout carries the terminal */
};

struct gch_header {
	uint8_t type;
	uint8_t flags;
	uint32_t len;
};

/* Encode a header into out[GCH_HEADER]. */
void gch_header_pack(uint8_t out[GCH_HEADER], uint8_t type, uint8_t flags, uint32_t len);
/* Decode and check one: the magic, a known type, len <= GCH_MAX_PAYLOAD.
 * -EBADMSG otherwise. */
int gch_header_unpack(const uint8_t in[GCH_HEADER], struct gch_header *ret);

/* A RUN payload from argv (argc <= GCH_MAX_ARGS, each argument without a
 * NUL, the whole within GCH_MAX_PAYLOAD): its length, -E2BIG. */
int gch_run_pack(int argc, char *const *argv, uint8_t *out, size_t size);
/* Split a RUN payload in place into argv (argv[argc] = NULL): every
 * argument NUL-terminated, at least one, at most GCH_MAX_ARGS. -EBADMSG. */
int gch_run_unpack(uint8_t *payload, size_t len, char **argv, int *ret_argc);

/* Little-endian integers of a payload. */
void gch_put_u32(uint8_t *p, uint32_t v);
uint32_t gch_get_u32(const uint8_t *p);

/* Write one whole frame to fd (EINTR and short writes are continued; on a
 * non-blocking fd, waits for room). -errno. */
int gch_send(int fd, uint8_t type, uint8_t flags, const void *payload, size_t len);
/* The same, waiting for room at most timeout_ms in all (< 0: no limit):
 * -ETIMEDOUT when the other side stopped reading (a paused guest). A frame
 * cut short by it leaves the stream broken: the caller ends the session. */
int gch_send_until(int fd, uint8_t type, uint8_t flags, const void *payload, size_t len,
		   int timeout_ms);

/* A frame reader for one stream: bytes are fed in as they arrive
 * (gch_reader_feed), frames come out whole (gch_reader_next). No read of
 * its own, so the caller's poll loop decides when to wait. */
struct gch_reader {
	uint8_t buf[GCH_HEADER + GCH_MAX_PAYLOAD];
	size_t have;
	size_t taken; /* the frame last returned, dropped at the next call */
	bool broken;  /* a bad header was seen: nothing more is trusted */
};

/* Read what fd has (one read) into r. Returns the bytes read, 0 at end of
 * stream, -EAGAIN when nothing was there, -ENOBUFS when a whole frame is
 * waiting to be taken first, -errno. */
ssize_t gch_reader_fill(struct gch_reader *r, int fd);
/* Feed bytes from elsewhere (the fuzzer): as many as fit; returns them. */
size_t gch_reader_feed(struct gch_reader *r, const void *data, size_t len);
/* The next whole frame: 1 with *hdr and *payload (valid until the next
 * call), 0 when more bytes are needed, -EBADMSG on a bad header (and
 * from then on). */
int gch_reader_next(struct gch_reader *r, struct gch_header *hdr, const uint8_t **payload);
