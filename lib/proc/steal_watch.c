// SPDX-License-Identifier: MIT
#include "lib/proc/steal_watch.h"

void steal_watch_init(struct steal_watch *w, double threshold_pct, double window_s)
{
	*w = (struct steal_watch){ .threshold = threshold_pct, .window = window_s };
}

bool steal_watch_feed(struct steal_watch *w, double steal_pct, double interval_s)
{
	if (!(interval_s > 0))
		return false; /* no time went by: nothing to judge */
	if (!(steal_pct > w->threshold)) {
		w->above = 0;
		w->warned = false;
		return false;
	}
	w->above += interval_s;
	/* Measured intervals run a few microseconds short or long: sixty
	 * 0.99999 s intervals are a 60 s window. */
	if (w->warned || w->above < w->window * (1 - 1e-4))
		return false;
	w->warned = true;
	return true;
}
