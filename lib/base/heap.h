// SPDX-License-Identifier: MIT
/* How a long-running view gives freed memory back to the kernel. A view
 * open for hours allocates per-round arrays of a few hundred KB to a few MB
 * (a container listing is 9.5 KB a container, record's followed array and
 * snapshots more) and frees them in a different order every round. glibc
 * keeps such blocks on its heap once one of their size was freed (its mmap
 * threshold rises to it), and the holes they leave stay in the RSS until
 * given back (the soak of issue 20: top and cgstat +1.3 MiB, record +3 MiB
 * in 10 minutes of churn, while massif showed record's live heap flat).
 *
 * Fixing the threshold instead (every block of 128 KiB and more a mapping
 * of its own) kept the RSS flat too, but made every such block cost its
 * page faults afresh: replay info over an hour's recording went from 9.7
 * to 24.5 s. */
#pragma once

/* Return the free pages inside the heap, not only at its top
 * (malloc_trim): for a long-running loop, after a round that freed a
 * listing (every few seconds, not every sample). */
void heap_give_back(void);
