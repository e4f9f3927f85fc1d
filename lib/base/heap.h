// SPDX-License-Identifier: MIT
/* How nsh's heap gives memory back to the kernel. A view that runs for
 * hours allocates its per-round arrays (a container listing, a snapshot of
 * /proc, the recorder's followed containers) of a few hundred KB each and
 * frees them in a different order every round; where they came from the
 * brk heap, the holes they left stayed in the RSS (the soak of issue 20:
 * top and cgstat +1.3 MiB, record +3 MiB in 10 minutes of churn with the
 * live heap flat). */
#pragma once

/* At start: a block of 128 KiB or more is a mapping of its own, unmapped
 * when freed. glibc's default starts there too but raises the threshold to
 * the size of each such block freed (up to 32 MiB), after which those
 * arrays come from the heap and fragment it. */
void heap_setup(void);

/* In a long-running loop, now and then (a minute): return the free pages
 * inside the heap, not only at its top (malloc_trim). */
void heap_give_back(void);
