// SPDX-License-Identifier: MIT
/* The guest channel's framing (chan.h): headers, the RUN payload, whole-frame
 * writes, and a reader that yields whole frames from a byte stream. */
#include "lib/guest/chan.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/clock.h"

static const uint8_t magic[2] = { 'N', 'G' };

void gch_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

uint32_t gch_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void gch_header_pack(uint8_t out[GCH_HEADER], uint8_t type, uint8_t flags, uint32_t len)
{
	out[0] = magic[0];
	out[1] = magic[1];
	out[2] = type;
	out[3] = flags;
	gch_put_u32(out + 4, len);
}

int gch_header_unpack(const uint8_t in[GCH_HEADER], struct gch_header *ret)
{
	uint32_t len = gch_get_u32(in + 4);
	if (in[0] != magic[0] || in[1] != magic[1] || in[2] == 0 || in[2] > GCH_TYPE_MAX ||
	    len > GCH_MAX_PAYLOAD)
		return -EBADMSG;
	*ret = (struct gch_header){ .type = in[2], .flags = in[3], .len = len };
	return 0;
}

int gch_run_pack(int argc, char *const *argv, uint8_t *out, size_t size)
{
	if (argc < 1 || argc > GCH_MAX_ARGS)
		return -E2BIG;
	size_t n = 0;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		if (l > size - n || n + l > GCH_MAX_PAYLOAD)
			return -E2BIG;
		memcpy(out + n, argv[i], l);
		n += l;
	}
	return (int)n;
}

int gch_run_unpack(uint8_t *payload, size_t len, char **argv, int *ret_argc)
{
	int argc = 0;
	size_t i = 0;
	if (len == 0 || payload[len - 1] != '\0')
		return -EBADMSG;
	while (i < len) {
		if (argc == GCH_MAX_ARGS)
			return -EBADMSG;
		argv[argc++] = (char *)payload + i;
		i += strlen((char *)payload + i) + 1;
	}
	argv[argc] = NULL;
	*ret_argc = argc;
	return 0;
}

int gch_send_until(int fd, uint8_t type, uint8_t flags, const void *payload, size_t len,
		   int timeout_ms)
{
	uint8_t frame[GCH_HEADER + GCH_MAX_PAYLOAD];
	if (len > GCH_MAX_PAYLOAD)
		return -E2BIG;
	/* One buffer, so a frame goes out in one write where the stream takes
	 * it whole: the other side never waits on half a header. */
	gch_header_pack(frame, type, flags, (uint32_t)len);
	if (len)
		memcpy(frame + GCH_HEADER, payload, len);
	double end = timeout_ms < 0 ? 0 : clock_mono_s() + timeout_ms / 1000.0;
	size_t off = 0, total = GCH_HEADER + len;
	while (off < total) {
		ssize_t w = write(fd, frame + off, total - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			int ms = -1;
			if (timeout_ms >= 0) {
				double left = end - clock_mono_s();
				if (left <= 0)
					return -ETIMEDOUT;
				ms = (int)(left * 1000) + 1;
			}
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			if (poll(&p, 1, ms) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		if (w <= 0)
			return w < 0 ? -errno : -EPIPE;
		off += (size_t)w;
	}
	return 0;
}

int gch_send(int fd, uint8_t type, uint8_t flags, const void *payload, size_t len)
{
	return gch_send_until(fd, type, flags, payload, len, -1);
}

static void drop_taken(struct gch_reader *r)
{
	if (!r->taken)
		return;
	memmove(r->buf, r->buf + r->taken, r->have - r->taken);
	r->have -= r->taken;
	r->taken = 0;
}

ssize_t gch_reader_fill(struct gch_reader *r, int fd)
{
	drop_taken(r);
	if (r->have == sizeof(r->buf))
		return -ENOBUFS;
	ssize_t n;
	do
		n = read(fd, r->buf + r->have, sizeof(r->buf) - r->have);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	r->have += (size_t)n;
	return n;
}

size_t gch_reader_feed(struct gch_reader *r, const void *data, size_t len)
{
	drop_taken(r);
	size_t room = sizeof(r->buf) - r->have;
	if (len > room)
		len = room;
	memcpy(r->buf + r->have, data, len);
	r->have += len;
	return len;
}

int gch_reader_next(struct gch_reader *r, struct gch_header *hdr, const uint8_t **payload)
{
	drop_taken(r);
	if (r->broken)
		return -EBADMSG;
	if (r->have < GCH_HEADER)
		return 0;
	if (gch_header_unpack(r->buf, hdr) < 0) {
		r->broken = true;
		return -EBADMSG;
	}
	if (r->have < GCH_HEADER + hdr->len)
		return 0;
	*payload = r->buf + GCH_HEADER;
	r->taken = GCH_HEADER + hdr->len;
	return 1;
}
