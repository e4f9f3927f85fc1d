// SPDX-License-Identifier: MIT
#include "heap.h"

#include <malloc.h>

/* glibc's own starting threshold, now fixed (mallopt turns the dynamic
 * one off). */
#define HEAP_MMAP_THRESHOLD (128 * 1024)

void heap_setup(void)
{
	mallopt(M_MMAP_THRESHOLD, HEAP_MMAP_THRESHOLD);
}

void heap_give_back(void)
{
	malloc_trim(0);
}
