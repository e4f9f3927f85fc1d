// SPDX-License-Identifier: MIT
#include "sampling.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/base/util.h"
#include "lib/base/clock.h"

#define DEFAULT_INTERVAL 1.0

int sampling_parse_args(const struct cmd_ctx *ctx, double *ret_interval, long *ret_count)
{
	const char *name = ctx->cmd->name;
	double interval = -1;
	long count = -1;
	if (ctx->argc >= 1) {
		char *end;
		errno = 0;
		double v = strtod(ctx->argv[0], &end);
		if (errno || end == ctx->argv[0] || *end || !(v == 0 || (v >= 0.1 && v <= 86400))) {
			out_error(name,
				  "interval '%s': seconds from 0.1 to 86400, or 0 for one report "
				  "since the start "
				  "(see 'nsh help %s')",
				  ctx->argv[0], name);
			return -EINVAL;
		}
		interval = v;
		if (v == 0)
			count = 1;
	}
	if (ctx->argc >= 2 && interval == 0) {
		out_error(name, "interval 0 is one report since the start: it takes no count");
		return -EINVAL;
	}
	if (ctx->argc >= 2) {
		uint64_t n;
		if (parse_u64(ctx->argv[1], &n) < 0 || n < 1 || n > 1000000) {
			out_error(name, "count '%s': a number from 1 (see 'nsh help %s')",
				  ctx->argv[1], name);
			return -EINVAL;
		}
		count = (long)n;
	}
	*ret_interval = interval;
	*ret_count = count;
	return 0;
}

int sampling_parse_interval(struct cmd_ctx *ctx, double *ret_interval, long *ret_count)
{
	double interval;
	long count;
	int r = sampling_parse_args(ctx, &interval, &count);
	if (r < 0)
		return r;
	if (interval < 0) {
		/* No INTERVAL: one report after the default interval. */
		interval = DEFAULT_INTERVAL;
		count = 1;
	}
	*ret_interval = interval;
	*ret_count = count;
	return 0;
}

double sampling_seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

bool (*sampling_replay_step)(double interval);

bool sampling_pause(double interval)
{
	if (sampling_replay_step)
		return sampling_replay_step(interval);
	struct timespec end, now;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)interval;
	end.tv_nsec += (long)((interval - floor(interval)) * 1e9);
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	while (!cmd_interrupted) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		double left = sampling_seconds(&now, &end);
		if (left <= 0)
			return true;
		double step = left < 0.1 ? left : 0.1;
		struct timespec ts = { (time_t)step, (long)((step - floor(step)) * 1e9) };
		nanosleep(&ts, NULL);
	}
	return false;
}

void sampling_utc(const struct timespec *when, char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	if (when)
		ts = *when;
	else
		clock_now(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void on_sigint(int sig)
{
	(void)sig;
	cmd_interrupted = 1;
}

void sampling_catch_sigint(struct sigaction *ret_old)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a read or sleep in progress returns at once. */
	sigaction(SIGINT, &sa, ret_old);
}

void sampling_release_sigint(const struct sigaction *old)
{
	sigaction(SIGINT, old, NULL);
}

volatile sig_atomic_t sampling_stop_signal;

static void on_stop(int sig)
{
	sampling_stop_signal = sig;
	cmd_interrupted = 1;
}

void sampling_catch_stop(struct stop_catch *ret_old)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sampling_stop_signal = 0;
	sigaction(SIGINT, &sa, &ret_old->old_int);
	sigaction(SIGTERM, &sa, &ret_old->old_term);
}

void sampling_release_stop(const struct stop_catch *old, bool in_shell)
{
	if (in_shell) {
		sigaction(SIGINT, &old->old_int, NULL);
		sigaction(SIGTERM, &old->old_term, NULL);
	}
	cmd_interrupted = 0;
}
