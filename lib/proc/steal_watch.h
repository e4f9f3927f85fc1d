/* SPDX-License-Identifier: MIT */
/* The busy-neighbour warning: %steal, the time a virtual CPU was ready but
 * the hypervisor ran something else, staying above a threshold for a
 * whole window means other guests are taking this machine's CPU. One
 * warning per episode: it re-arms once %steal has come down. Pure: fed one
 * interval at a time (mpstat; top's host header may use it too). */
#pragma once

#include <stdbool.h>

struct steal_watch {
	double threshold; /* %steal above this counts */
	double window;    /* seconds it must last */
	double above;     /* seconds it has lasted so far */
	bool warned;      /* this episode was reported */
};

void steal_watch_init(struct steal_watch *w, double threshold_pct, double window_s);

/* One interval of interval_s seconds whose %steal was steal_pct: true
 * when this interval completes the window (once per episode). An interval
 * at or below the threshold ends the episode. */
bool steal_watch_feed(struct steal_watch *w, double steal_pct, double interval_s);
