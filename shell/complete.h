/* SPDX-License-Identifier: MIT */
/* Completion candidates, for the REPL's Tab and for the bash/zsh scripts
 * (`nsh __complete INDEX WORD..`, completions/). One generator serves both:
 * the REPL's words start with a command (its target is the attached one),
 * argv's with global options and an optional target. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cmds/cmds.h"

struct strv {
	char **v;
	size_t n, cap;
};

int strv_add(struct strv *s, const char *word);
void strv_free(struct strv *s);

/* Where the candidates come from: live targets are listed at most once per
 * call, or, with a cache, once per CACHE_TTL seconds. */
struct complete_src {
	struct nsh_globals *g;
	const struct target *attached; /* the REPL's target, or NULL */
	struct strv targets;           /* cache of target names and IDs */
	double targets_at;             /* monotonic seconds when listed; 0 never */
};

void complete_src_free(struct complete_src *src);

/* Candidates for words[index] (words[index] may be "" or index == n for a
 * fresh word), those starting with its prefix, sorted and unique.
 * shell: words are a REPL command line (first word a command). */
int complete_words(struct complete_src *src, bool shell, char **words, int n, int index,
		   struct strv *out);

/* word as bash, zsh and nsh's shell read it back literally, quoted one
 * character at a time so that any tail of it is quoted the same way: a
 * shell metacharacter gets a backslash, a byte or character out_escape
 * would escape (controls, C1, bidi, not UTF-8) becomes $'\xHH'..; anything
 * else is itself. NULL: out of memory. */
char *complete_quote(const char *word);

/* `nsh __complete [--cut N] INDEX WORD..`: prints the candidates one per
 * line, each quoted (complete_quote) after its first N bytes are dropped
 * (bash replaces only what follows a word break such as ':'). */
int complete_main(struct nsh_globals *g, int argc, char **argv);
