/* SPDX-License-Identifier: MIT */
/* A recorded snapshot written out as a directory tree, for the views to
 * read as their host root (`nsh replay`): frame after frame, only what
 * changed is rewritten. Nothing is written outside the tree, nothing
 * through a link, whatever the recording says. */
#pragma once

#include <stddef.h>

#include "lib/record/recfile.h"

/* Blobs named with this prefix are symlinks: "nsh/link/proc/1/ns/pid"
 * holding "pid:[4026531836]" is the link proc/1/ns/pid. Only namespace
 * links (proc/PID/ns/TYPE -> TYPE:[INODE]) are made; other such blobs are
 * skipped. */
#define REC_TREE_LINK_PREFIX "nsh/link/"

struct rec_tree;

/* A new private directory, nsh-replay-XXXXXX, 0700, in $TMPDIR, else in
 * /dev/shm when it is a tmpfs, else in /tmp. */
int rec_tree_create(struct rec_tree **ret, char *why, size_t wsize);
const char *rec_tree_path(const struct rec_tree *t);
/* Make the tree hold exactly s (sorted, names unique): write what differs
 * from the last shown, remove what s lacks. *ret_skipped (may be NULL):
 * blobs that could not be written (a name that is a directory's too, a
 * link that is not a namespace link). */
int rec_tree_show(struct rec_tree *t, const struct rec_snapshot *s, size_t *ret_skipped);
/* Remove the tree and free t (NULL: nothing). */
void rec_tree_free(struct rec_tree *t);
