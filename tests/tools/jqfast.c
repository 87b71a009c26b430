/* jqfast.c - test tool: `jq [-r] PATH[, PATH...] [| length]` without jq's ~55 ms start; anything else runs the real jq. */
#include "supervisor/util/json.h"
#include "supervisor/util/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Scenario checks pipe `h2box --json` through `jq -r FILTER` thousands of times and jq 1.6
 * compiles its builtins on every start.  This tool answers the common case itself and hands
 * every other case (flags, filter syntax, results, invalid or odd input) to the real jq with
 * the original arguments and the original input bytes, so the output is jq's in every case.
 * A comma list of paths (jq's `,`: each path's output in turn) lets a caller take several
 * values, or every field of a list's entries, from one document with one start.
 */

#define JQFAST_MAX_INPUT (16u << 20) /* bigger input goes to jq */
#define JQFAST_MAX_DEPTH 128
#define JQFAST_MAX_STEPS 32
#define JQFAST_MAX_PATHS 128 /* has_transition: 3 fields x 32 power history entries */
#define JQFAST_MAX_KEY 256   /* a longer .key goes to jq */

struct jqfast_step {
	const char *key; /* NULL: an index */
	size_t keylen;
	long index;
};

struct jqfast_filter {
	struct jqfast_step steps[JQFAST_MAX_STEPS];
	int nsteps;
};

/* path, path, ... [| length]: `| length` binds looser than `,` and applies to every path */
struct jqfast_prog {
	struct jqfast_filter paths[JQFAST_MAX_PATHS];
	int npaths;
	bool length;
};

enum jqfast_kind { R_NONE, R_NULL, R_TRUE, R_FALSE, R_NUM, R_STR, R_ARR, R_OBJ };

struct jqfast_result {
	enum jqfast_kind kind;
	const char *start; /* the value's text (numbers, strings) */
	size_t count;      /* members of an array or object */
};

struct jqfast_cur {
	const char *p, *end;
	const struct jqfast_filter *f;
	struct jqfast_result res;
};

static char **jqfast_argv;
static const char *jqfast_filter_text = "";

static const char *jqfast_real(void)
{
	const char *r = getenv("H2BOX_REAL_JQ");
	return r && *r ? r : "jq";
}

static void jqfast_stat(const char *what)
{
	const char *path = getenv("H2BOX_JQFAST_STATS");
	if (!path || !*path)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s %s\n", what, jqfast_filter_text);
	if (n > 0)
		(void)!write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	close(fd);
}

/* Decided before reading stdin: jq takes over this process. */
static void jqfast_exec_real(void)
{
	jqfast_stat("fallback");
	jqfast_argv[0] = (char *)jqfast_real();
	execvp(jqfast_argv[0], jqfast_argv);
	fprintf(stderr, "jqfast: cannot run %s: %s\n", jqfast_argv[0], strerror(errno));
	_exit(127);
}

/*
 * Decided after reading stdin: jq gets the bytes read (and, when more, the rest of stdin) through
 * a pipe on its stdin; its status is ours.
 */
static int jqfast_pipe_real(const char *buf, size_t len, bool more)
{
	const struct spawn_opts opts = { .search_path = true };
	int fds[2], in = -1, st, rc = 2;
	FILE *to = NULL;
	pid_t pid;

	jqfast_stat("fallback");
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN); /* jq may stop reading early; spawn_start restores it for jq */
	if (more && (in = dup(0)) < 0) {
		fprintf(stderr, "jqfast: dup stdin: %s\n", strerror(errno));
		return 2;
	}
	/* jq's stdin is the pipe: fd 0 here while spawning (dup2 clears O_CLOEXEC on it only) */
	if (pipe2(fds, O_CLOEXEC) < 0 || dup2(fds[0], 0) < 0) {
		fprintf(stderr, "jqfast: pipe: %s\n", strerror(errno));
		goto out;
	}
	close(fds[0]);
	jqfast_argv[0] = (char *)jqfast_real();
	int r = spawn_start(jqfast_argv, &opts, &pid);
	close(0);
	if (r < 0) {
		fprintf(stderr, "jqfast: cannot run %s: %s\n", jqfast_argv[0], strerror(-r));
		close(fds[1]);
		goto out;
	}
	to = fdopen(fds[1], "w");
	if (!to) {
		close(fds[1]);
	} else if (fwrite(buf, 1, len, to) == len && more) {
		char chunk[65536];
		ssize_t n;
		while ((n = read(in, chunk, sizeof(chunk))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 || fwrite(chunk, 1, (size_t)n, to) != (size_t)n)
				break;
		}
	}
	if (to)
		fclose(to); /* jq sees the end of its input */
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "jqfast: waitpid: %s\n", strerror(errno));
			goto out;
		}
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
	if (in >= 0)
		close(in);
	return rc;
}

static bool jqfast_ident_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool jqfast_ident_char(char c)
{
	return jqfast_ident_start(c) || (c >= '0' && c <= '9');
}

/* `[N]` at s: the index, and s moved past it; -1 if it is not that. */
static int jqfast_parse_index(const char **s, long *out)
{
	const char *p = *s + 1;
	long v = 0;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v > 100000000)
			return -1;
		p++;
	}
	if (*p != ']')
		return -1;
	*out = v;
	*s = p + 1;
	return 0;
}

/* One path at *s: `.key` or `.[N]` first, then `.key` or `[N]` steps (jq 1.6 has no `.a.[N]`). */
static int jqfast_parse_path(const char **sp, struct jqfast_filter *f)
{
	const char *s = *sp;

	f->nsteps = 0;
	if (*s != '.')
		return -1;
	while (*s == '.' || (*s == '[' && f->nsteps > 0)) {
		if (f->nsteps == JQFAST_MAX_STEPS)
			return -1;
		struct jqfast_step *st = &f->steps[f->nsteps];
		if (*s == '.' && jqfast_ident_start(s[1])) {
			st->key = ++s;
			while (jqfast_ident_char(*s))
				s++;
			st->keylen = (size_t)(s - st->key);
			if (st->keylen >= JQFAST_MAX_KEY)
				return -1;
		} else {
			if (*s == '.') {
				if (f->nsteps > 0)
					return -1;
				s++;
			}
			st->key = NULL;
			if (*s != '[' || jqfast_parse_index(&s, &st->index) < 0)
				return -1;
		}
		f->nsteps++;
	}
	*sp = s;
	return 0;
}

/* The filter grammar we answer: PATH (`,` PATH)* optionally followed by `| length`. */
static int jqfast_parse_prog(const char *s, struct jqfast_prog *pr)
{
	pr->npaths = 0;
	pr->length = false;
	for (;;) {
		while (*s == ' ')
			s++;
		if (pr->npaths == JQFAST_MAX_PATHS || jqfast_parse_path(&s, &pr->paths[pr->npaths]) < 0)
			return -1;
		pr->npaths++;
		while (*s == ' ')
			s++;
		if (*s != ',')
			break;
		s++;
	}
	if (*s == '|') {
		s++;
		while (*s == ' ')
			s++;
		if (strncmp(s, "length", 6) != 0)
			return -1;
		s += 6;
		while (*s == ' ')
			s++;
		pr->length = true;
	}
	return *s ? -1 : 0;
}

static void jqfast_ws(struct jqfast_cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int jqfast_hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char h = p[i];
		v <<= 4;
		if (h >= '0' && h <= '9')
			v |= (unsigned)(h - '0');
		else if (h >= 'a' && h <= 'f')
			v |= (unsigned)(h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			v |= (unsigned)(h - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t jqfast_put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Append len bytes at out + n when they fit in cap (the length is counted either way). */
static void jqfast_put(char *out, size_t cap, size_t n, const char *b, size_t len)
{
	if (out && n + len <= cap)
		memcpy(out + n, b, len);
}

/*
 * A string at c->p (on its '"'): validated, and as much of its decoded text as fits in cap bytes
 * written to out (when not NULL); *outlen is the whole decoded length, so a text longer than cap
 * is known by it.  Decoding never grows the raw text.  Anything jq would repair or treat its
 * own way (raw control bytes, invalid UTF-8, lone surrogates, \u0000) is refused.
 */
static int jqfast_string(struct jqfast_cur *c, char *out, size_t cap, size_t *outlen)
{
	const char *p = c->p + 1;
	size_t n = 0;
	while (p < c->end && *p != '"') {
		unsigned char b = (unsigned char)*p;
		if (b < 0x20)
			return -1;
		if (b == '\\') {
			if (c->end - p < 2)
				return -1;
			char e = p[1], d;
			p += 2;
			switch (e) {
			case '"': d = '"'; break;
			case '\\': d = '\\'; break;
			case '/': d = '/'; break;
			case 'b': d = '\b'; break;
			case 'f': d = '\f'; break;
			case 'n': d = '\n'; break;
			case 'r': d = '\r'; break;
			case 't': d = '\t'; break;
			case 'u': {
				unsigned cp, lo;
				if (c->end - p < 4 || jqfast_hex4(p, &cp) < 0 || cp == 0)
					return -1;
				p += 4;
				if (cp >= 0xdc00 && cp <= 0xdfff)
					return -1;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (c->end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
					    jqfast_hex4(p + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
						return -1;
					p += 6;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				char u[4];
				size_t ul = jqfast_put_utf8(u, cp);
				jqfast_put(out, cap, n, u, ul);
				n += ul;
				continue;
			}
			default:
				return -1;
			}
			jqfast_put(out, cap, n, &d, 1);
			n++;
			continue;
		}
		/* the input is NUL-terminated at c->end: json_utf8_len stops there */
		size_t l = json_utf8_len((const unsigned char *)p);
		if (l == 0)
			return -1;
		jqfast_put(out, cap, n, p, l);
		n += l;
		p += l;
	}
	if (p >= c->end)
		return -1;
	c->p = p + 1;
	if (outlen)
		*outlen = n;
	return 0;
}

/* Strict JSON number grammar; jq's extensions (nan, leading zeros...) go to jq. */
static int jqfast_number(struct jqfast_cur *c)
{
	const char *p = c->p;
#define DIGIT(q) ((q) < c->end && *(q) >= '0' && *(q) <= '9')
	if (p < c->end && *p == '-')
		p++;
	if (!DIGIT(p))
		return -1;
	if (*p == '0')
		p++;
	else
		while (DIGIT(p))
			p++;
	if (p < c->end && *p == '.') {
		p++;
		if (!DIGIT(p))
			return -1;
		while (DIGIT(p))
			p++;
	}
	if (p < c->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < c->end && (*p == '+' || *p == '-'))
			p++;
		if (!DIGIT(p))
			return -1;
		while (DIGIT(p))
			p++;
	}
#undef DIGIT
	if (p - c->p > 64)
		return -1;
	c->p = p;
	return 0;
}

static int jqfast_literal(struct jqfast_cur *c, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

/*
 * One value at c->p, validated whole.  level: how many filter steps led here (-1: off the
 * path).  The value the whole filter names lands in c->res; a missing key or index, or a step
 * into null, gives null as in jq; a step jq would reject returns -1 (jq reports it).
 */
static int jqfast_value(struct jqfast_cur *c, int depth, int level)
{
	const struct jqfast_filter *f = c->f;
	bool target = level == f->nsteps;
	const struct jqfast_step *st = level >= 0 && !target ? &f->steps[level] : NULL;
	const char *start = c->p;

	if (depth > JQFAST_MAX_DEPTH)
		return -1;
	jqfast_ws(c);
	start = c->p;
	if (c->p >= c->end)
		return -1;
	char ch = *c->p;
	if (ch == '{' || ch == '[') {
		bool obj = ch == '{';
		size_t count = 0, hits = 0;
		if (st && (obj != (st->key != NULL)))
			return -1; /* .key on an array or [N] on an object: jq's error */
		c->p++;
		jqfast_ws(c);
		if (c->p < c->end && *c->p == (obj ? '}' : ']')) {
			c->p++;
		} else {
			for (;;) {
				int child = -1;
				if (obj) {
					jqfast_ws(c);
					if (c->p >= c->end || *c->p != '"')
						return -1;
					if (st && st->key) {
						char key[JQFAST_MAX_KEY];
						size_t klen;
						if (jqfast_string(c, key, sizeof(key), &klen) < 0)
							return -1;
						if (klen == st->keylen && memcmp(key, st->key, klen) == 0)
							child = level + 1, hits++;
					} else if (jqfast_string(c, NULL, 0, NULL) < 0) {
						return -1;
					}
					jqfast_ws(c);
					if (c->p >= c->end || *c->p != ':')
						return -1;
					c->p++;
				} else if (st && (long)count == st->index) {
					child = level + 1, hits++;
				}
				if (hits > 1)
					return -1; /* a duplicate key: leave the last-one-wins rule to jq */
				if (jqfast_value(c, depth + 1, child) < 0)
					return -1;
				count++;
				jqfast_ws(c);
				if (c->p < c->end && *c->p == ',') {
					c->p++;
					continue;
				}
				if (c->p < c->end && *c->p == (obj ? '}' : ']')) {
					c->p++;
					break;
				}
				return -1;
			}
		}
		if (st && hits == 0)
			c->res.kind = R_NULL;
		if (target) {
			c->res.kind = obj ? R_OBJ : R_ARR;
			c->res.count = count;
		}
		return 0;
	}
	enum jqfast_kind k;
	int rc;
	if (ch == '"') {
		k = R_STR;
		rc = jqfast_string(c, NULL, 0, NULL);
	} else if (ch == 'n') {
		k = R_NULL;
		rc = jqfast_literal(c, "null");
	} else if (ch == 't') {
		k = R_TRUE;
		rc = jqfast_literal(c, "true");
	} else if (ch == 'f') {
		k = R_FALSE;
		rc = jqfast_literal(c, "false");
	} else {
		k = R_NUM;
		rc = jqfast_number(c);
	}
	if (rc < 0)
		return -1;
	if (st && k != R_NULL)
		return -1; /* indexing a scalar: jq's error */
	if (st)
		c->res.kind = R_NULL;
	if (target) {
		c->res.kind = k;
		c->res.start = start;
	}
	return 0;
}

/*
 * A double as jq 1.6 prints it (its dtoa: shortest round-trip digits, an exponent when
 * decpt <= -4 or decpt > digits + 15).  Returns -1 for the exponent form: jq prints that.
 */
static int jqfast_format_number(double d, char *out, size_t cap)
{
	char e[64], digits[32];
	int p;
	if (!isfinite(d))
		return -1;
	for (p = 1; p <= 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	if (p > 17)
		return -1;
	const char *s = e;
	bool neg = *s == '-';
	if (neg)
		s++;
	size_t nd = 0;
	for (; *s && *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	if (*s != 'e')
		return -1;
	int exp10 = atoi(s + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	int decpt = digits[0] == '0' ? 1 : exp10 + 1;
	if (decpt <= -4 || decpt > (int)nd + 15)
		return -1;
	size_t o = 0;
	if (neg)
		out[o++] = '-';
	if (decpt <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = decpt; i < 0; i++)
			out[o++] = '0';
		memcpy(out + o, digits, nd);
		o += nd;
	} else if ((size_t)decpt >= nd) {
		memcpy(out + o, digits, nd);
		o += nd;
		for (size_t i = nd; i < (size_t)decpt; i++)
			out[o++] = '0';
	} else {
		memcpy(out + o, digits, (size_t)decpt);
		o += (size_t)decpt;
		out[o++] = '.';
		memcpy(out + o, digits + decpt, nd - (size_t)decpt);
		o += nd - (size_t)decpt;
	}
	if (o >= cap)
		return -1;
	out[o] = '\0';
	return 0;
}

static double jqfast_number_value(const char *start)
{
	char buf[80];
	size_t n = strspn(start, "0123456789+-.eE");
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, start, n);
	buf[n] = '\0';
	return strtod(buf, NULL);
}

/* The answer for one path of a parsed document on out; -1 when jq must answer instead. */
static int jqfast_answer(FILE *out, const struct jqfast_cur *c, bool raw, bool length)
{
	const struct jqfast_result *r = &c->res;
	char num[64];
	if (length) {
		switch (r->kind) {
		case R_NULL:
			fputs("0\n", out);
			return 0;
		case R_ARR:
		case R_OBJ:
			fprintf(out, "%zu\n", r->count);
			return 0;
		case R_NUM:
			if (jqfast_format_number(fabs(jqfast_number_value(r->start)), num, sizeof(num)) < 0)
				return -1;
			fprintf(out, "%s\n", num);
			return 0;
		default:
			return -1;
		}
	}
	switch (r->kind) {
	case R_NULL:
		fputs("null\n", out);
		return 0;
	case R_TRUE:
		fputs("true\n", out);
		return 0;
	case R_FALSE:
		fputs("false\n", out);
		return 0;
	case R_ARR:
	case R_OBJ:
		if (r->count > 0)
			return -1; /* jq pretty-prints members its own way */
		fputs(r->kind == R_ARR ? "[]\n" : "{}\n", out); /* an empty list: jrows tells [] from null */
		return 0;
	case R_NUM:
		if (jqfast_format_number(jqfast_number_value(r->start), num, sizeof(num)) < 0)
			return -1;
		fprintf(out, "%s\n", num);
		return 0;
	case R_STR: {
		if (!raw)
			return -1; /* jq re-escapes strings its own way */
		struct jqfast_cur s = { .p = r->start, .end = c->end };
		size_t cap = (size_t)(c->end - r->start), len;
		char *text = malloc(cap);
		if (!text || jqfast_string(&s, text, cap, &len) < 0) {
			free(text);
			return -1;
		}
		fwrite(text, 1, len, out);
		fputc('\n', out);
		free(text);
		return 0;
	}
	default:
		return -1;
	}
}

/*
 * Every path's answer for the document in buf (NUL-terminated at len), in a memory buffer
 * first: nothing reaches stdout unless jqfast answers all of them.  -1: jq must answer.
 */
static int jqfast_run(const struct jqfast_prog *pr, const char *buf, size_t len, bool raw)
{
	char *text = NULL;
	size_t tlen = 0;
	int rc = -1;
	FILE *out;

	if (memchr(buf, '\0', len))
		return -1;
	out = open_memstream(&text, &tlen);
	if (!out)
		return -1;
	for (int k = 0; k < pr->npaths; k++) {
		struct jqfast_cur c = { .p = buf, .end = buf + len, .f = &pr->paths[k] };
		if (jqfast_value(&c, 0, 0) < 0 || c.res.kind == R_NONE)
			goto out;
		jqfast_ws(&c);
		if (c.p != c.end || jqfast_answer(out, &c, raw, pr->length) < 0)
			goto out;
	}
	if (fclose(out) != 0) {
		out = NULL;
		goto out;
	}
	out = NULL;
	rc = 0;
	fwrite(text, 1, tlen, stdout);
out:
	if (out)
		fclose(out);
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	static struct jqfast_prog prog; /* ~100 KiB: not on the stack */
	bool raw = false;
	int i = 1;

	jqfast_argv = argv;
	if (i < argc && strcmp(argv[i], "-r") == 0) {
		raw = true;
		i++;
	}
	if (i < argc)
		jqfast_filter_text = argv[i];
	if (argc != i + 1 || jqfast_parse_prog(argv[i], &prog) < 0)
		jqfast_exec_real();

	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1); /* +1: a NUL after the text (strtod, json_utf8_len) */
	bool more = false;
	if (!buf)
		jqfast_exec_real();
	for (;;) {
		if (len == cap) {
			if (cap >= JQFAST_MAX_INPUT) {
				more = true;
				break;
			}
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				more = true;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(0, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			more = true; /* let jq meet the error */
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	int rc;
	if (more) {
		rc = jqfast_pipe_real(buf, len, true);
		goto out;
	}
	buf[len] = '\0';
	if (jqfast_run(&prog, buf, len, raw) < 0) {
		rc = jqfast_pipe_real(buf, len, false);
		goto out;
	}
	jqfast_stat("fast");
	rc = fflush(stdout) != 0 || ferror(stdout) ? 2 : 0;
out:
	free(buf);
	return rc;
}
