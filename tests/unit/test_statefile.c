/* test_statefile.c - atomic state files: round trip, replacement, bounded reads, garbage, never
 * writing through a planted link (issue 13, defect 7); the
 * power state file's requested state and saved fault (round trip, older files, corrupt ones). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/policy/powerseq.h"
#include "supervisor/policy/powerseq-saved.h"
#include "supervisor/util/statefile.h"

struct dir {
	char path[256];
	char file[300];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	snprintf(d->path, sizeof(d->path), "/tmp/h2box-statefile-XXXXXX");
	if (!mkdtemp(d->path))
		return -1;
	snprintf(d->file, sizeof(d->file), "%s/power.state", d->path);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	if (system(cmd) != 0)
		return -1;
	free(d);
	return 0;
}

static void put_raw(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_round_trip_and_replace(void **state)
{
	struct dir *d = *state;
	char buf[256], tmp[320], val[16];
	struct stat st;

	assert_int_equal(statefile_write(d->file, "requested=on\n", 13), 0);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), 13);
	assert_string_equal(buf, "requested=on\n");
	assert_int_equal(statefile_get(buf, "requested", val, sizeof(val)), 0);
	assert_string_equal(val, "on");

	/* replacing a longer file with a shorter one leaves no tail behind */
	assert_int_equal(statefile_write(d->file, "requested=off\nextra=1234567\n", 28), 0);
	assert_int_equal(statefile_write(d->file, "requested=on\n", 13), 0);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), 13);
	assert_int_equal(statefile_get(buf, "extra", val, sizeof(val)), -ENOENT);
	/* the temporary file is gone after the rename */
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->file);
	assert_int_equal(stat(tmp, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_stale_tmp_does_not_matter(void **state)
{
	struct dir *d = *state;
	char buf[64], tmp[320];

	/* a power cut between write and rename leaves a tmp file: the real one is intact */
	assert_int_equal(statefile_write(d->file, "requested=off\n", 14), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->file);
	put_raw(tmp, "requested=o", 11);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "requested=off\n");
	/* and the next write simply replaces the stale tmp */
	assert_int_equal(statefile_write(d->file, "requested=on\n", 13), 0);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), 13);
}

/*
 * Issue 13, defect 7: whatever is planted at the temporary path or in place of the directory,
 * no other file is ever written or truncated; a planted link is an error for the caller to log.
 */
static void test_planted_links_refused(void **state)
{
	struct dir *d = *state;
	char buf[64], tmp[320], victim[320], real[320], linkdir[320], path[400];
	struct stat st;

	snprintf(tmp, sizeof(tmp), "%s.tmp", d->file);
	snprintf(victim, sizeof(victim), "%s/victim", d->path);
	put_raw(victim, "precious\n", 9);

	/* a symlink at the temporary path */
	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(statefile_write(d->file, "requested=on\n", 13), -ELOOP);
	assert_int_equal(statefile_read(victim, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "precious\n");
	assert_int_equal(unlink(tmp), 0);

	/* a hard link at the temporary path: O_TRUNC through it would empty the victim */
	assert_int_equal(link(victim, tmp), 0);
	assert_int_equal(statefile_write(d->file, "requested=on\n", 13), -EPERM);
	assert_int_equal(statefile_read(victim, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "precious\n");
	assert_int_equal(unlink(tmp), 0);

	/* the state directory itself a symlink to another directory */
	snprintf(real, sizeof(real), "%s/real", d->path);
	snprintf(linkdir, sizeof(linkdir), "%s/linked", d->path);
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink(real, linkdir), 0);
	snprintf(path, sizeof(path), "%s/power.state", linkdir);
	assert_true(statefile_write(path, "requested=on\n", 13) < 0);
	snprintf(path, sizeof(path), "%s/power.state", real);
	assert_int_equal(stat(path, &st), -1);

	/* a stale regular tmp file of our own (a crash) is still simply replaced */
	put_raw(tmp, "requested=o", 11);
	assert_int_equal(statefile_write(d->file, "requested=on\n", 13), 0);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), 13);
	assert_int_equal(stat(tmp, &st), -1);
}

static void test_creates_missing_directory(void **state)
{
	struct dir *d = *state;
	char path[400], buf[64];

	snprintf(path, sizeof(path), "%s/sub/power.state", d->path);
	assert_int_equal(statefile_write(path, "requested=on\n", 13), 0);
	assert_int_equal(statefile_read(path, buf, sizeof(buf)), 13);
	/* only one level is created */
	snprintf(path, sizeof(path), "%s/a/b/power.state", d->path);
	assert_int_equal(statefile_write(path, "x", 1), -ENOENT);
}

static void test_missing_and_bounded(void **state)
{
	struct dir *d = *state;
	char buf[32];
	char big[STATEFILE_MAX + 100];

	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), -ENOENT);
	/* exactly fits */
	memset(big, 'a', sizeof(big));
	put_raw(d->file, big, sizeof(buf) - 1);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), (int)sizeof(buf) - 1);
	/* one byte more does not */
	put_raw(d->file, big, sizeof(buf));
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), -EFBIG);
	/* nor does anything beyond STATEFILE_MAX, whatever the buffer */
	put_raw(d->file, big, sizeof(big));
	{
		static char huge[STATEFILE_MAX * 2];

		assert_int_equal(statefile_read(d->file, huge, sizeof(huge)), -EFBIG);
	}
	/* a directory is not a state file */
	assert_true(statefile_read(d->path, buf, sizeof(buf)) < 0);
}

static void test_garbage(void **state)
{
	struct dir *d = *state;
	char buf[256], val[16];
	enum powerseq_requested r;
	static const char nul[] = "requested=on\0junk";

	put_raw(d->file, nul, sizeof(nul) - 1);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), -EINVAL);

	put_raw(d->file, "\x7f" "ELF\x01\x02garbage", 13);
	assert_true(statefile_read(d->file, buf, sizeof(buf)) >= 0);
	assert_int_equal(statefile_get(buf, "requested", val, sizeof(val)), -ENOENT);

	/* values that parse as neither on nor off are rejected by the power service's parser */
	put_raw(d->file, "requested=maybe\n", 16);
	assert_true(statefile_read(d->file, buf, sizeof(buf)) > 0);
	assert_int_equal(statefile_get(buf, "requested", val, sizeof(val)), 0);
	assert_int_equal(powerseq_requested_parse(val, &r), -EINVAL);

	/* a prefix of the key is not the key; CRLF endings are tolerated */
	assert_int_equal(statefile_get("requested_x=on\r\nrequested=off\r\n", "requested", val,
				       sizeof(val)), 0);
	assert_string_equal(val, "off");
	assert_int_equal(powerseq_requested_parse(val, &r), 0);
	assert_int_equal(r, POWERSEQ_REQUESTED_OFF);
	/* a value too long for the buffer */
	assert_int_equal(statefile_get("requested=onnnnnnnnnnnnnnnnnnnnnnn\n", "requested", val,
				       sizeof(val)), -ERANGE);
	/* a truncated file without a newline still reads */
	assert_int_equal(statefile_get("requested=on", "requested", val, sizeof(val)), 0);
	assert_string_equal(val, "on");
	assert_int_equal(statefile_get("", "requested", val, sizeof(val)), -ENOENT);
}

/* ---- the power state file: requested state and the saved fault ---- */

/* Write sv through the state file and read it back. */
static unsigned power_round_trip(const struct dir *d, const struct powerseq_saved *sv,
				 struct powerseq_saved *back)
{
	char text[POWERSEQ_SAVED_TEXT_MAX], buf[256];
	int n = powerseq_saved_format(sv, text, sizeof(text));

	assert_true(n > 0);
	assert_int_equal(statefile_write(d->file, text, (size_t)n), 0);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), n);
	return powerseq_saved_parse(buf, back, NULL, 0);
}

static void test_power_state_round_trip(void **state)
{
	static const enum powerseq_fault faults[] = {
		POWERSEQ_FAULT_NONE, POWERSEQ_FAULT_PSU_OK_TIMEOUT, POWERSEQ_FAULT_PSU_OK_DROP,
		POWERSEQ_FAULT_HOST_BOOT_TIMEOUT, POWERSEQ_FAULT_UNKNOWN,
	};
	static const enum powerseq_requested reqs[] = { POWERSEQ_REQUESTED_OFF,
							POWERSEQ_REQUESTED_ON };
	struct dir *d = *state;
	char text[POWERSEQ_SAVED_TEXT_MAX], buf[256];

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		for (size_t k = 0; k < 2; k++) {
			struct powerseq_saved sv = {
				.requested = reqs[k],
				.fault = faults[i],
				.fault_at_known = faults[i] != POWERSEQ_FAULT_NONE,
				.fault_at_s = faults[i] ? 1767225600 + (int)i : 0,
			};
			struct powerseq_saved back;

			assert_int_equal(power_round_trip(d, &sv, &back), 0);
			assert_int_equal(back.requested, sv.requested);
			assert_int_equal(back.fault, sv.fault);
			assert_int_equal(back.fault_at_known, sv.fault_at_known);
			assert_int_equal(back.fault_at_s, sv.fault_at_s);
		}
	}
	/* the exact text: without a fault it is what older versions wrote */
	{
		struct powerseq_saved sv = { .requested = POWERSEQ_REQUESTED_ON }, sv2;

		assert_int_equal(powerseq_saved_format(&sv, text, sizeof(text)), 13);
		assert_string_equal(text, "requested=on\n");
		sv.requested = POWERSEQ_REQUESTED_OFF;
		sv.fault = POWERSEQ_FAULT_PSU_OK_DROP;
		sv.fault_at_known = true;
		sv.fault_at_s = 1767225600;
		assert_true(powerseq_saved_format(&sv, text, sizeof(text)) > 0);
		assert_string_equal(text,
				    "requested=off\nfault=psu-ok-drop\nfault_at=1767225600\n");
		/* a buffer too small is refused, never cut */
		assert_int_equal(powerseq_saved_format(&sv, text, 20), -ENOSPC);
		assert_int_equal(powerseq_saved_format(&sv, text, 34), -ENOSPC);
		/* the latest time that still fits in nanoseconds */
		assert_int_equal(powerseq_saved_parse("fault=psu-ok-drop\nfault_at=9223372036\n",
						      &sv2, NULL, 0),
				 POWERSEQ_SAVED_BAD_REQUESTED);
		assert_true(sv2.fault_at_known);
		assert_int_equal(sv2.fault_at_s, INT64_C(9223372036));
		/* a fault with no known time is saved without one */
		sv.fault_at_known = false;
		assert_true(powerseq_saved_format(&sv, text, sizeof(text)) > 0);
		assert_string_equal(text, "requested=off\nfault=psu-ok-drop\n");
	}
	/* clearing rewrites the file without the fault lines */
	{
		struct powerseq_saved sv = { .requested = POWERSEQ_REQUESTED_OFF,
					     .fault = POWERSEQ_FAULT_HOST_BOOT_TIMEOUT,
					     .fault_at_known = true, .fault_at_s = 5 };
		struct powerseq_saved back;

		assert_int_equal(power_round_trip(d, &sv, &back), 0);
		sv.fault = POWERSEQ_FAULT_NONE;
		assert_int_equal(power_round_trip(d, &sv, &back), 0);
		assert_int_equal(back.fault, POWERSEQ_FAULT_NONE);
		assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), 14);
		assert_string_equal(buf, "requested=off\n");
	}
}

/* Files from before the fault was saved load as they did: no fault, nothing flagged. */
static void test_power_state_older_files(void **state)
{
	struct dir *d = *state;
	struct powerseq_saved sv;
	char buf[256];

	put_raw(d->file, "requested=on\n", 13);
	assert_true(statefile_read(d->file, buf, sizeof(buf)) > 0);
	assert_int_equal(powerseq_saved_parse(buf, &sv, NULL, 0), 0);
	assert_int_equal(sv.requested, POWERSEQ_REQUESTED_ON);
	assert_int_equal(sv.fault, POWERSEQ_FAULT_NONE);
	assert_false(sv.fault_at_known);

	assert_int_equal(powerseq_saved_parse("requested=off\n", &sv, NULL, 0), 0);
	assert_int_equal(sv.requested, POWERSEQ_REQUESTED_OFF);
	assert_int_equal(sv.fault, POWERSEQ_FAULT_NONE);
	/* CRLF, no final newline, key order, unknown keys from a newer version */
	assert_int_equal(powerseq_saved_parse("fault_at=12\r\nextra=1\r\n"
					      "fault=host-boot-timeout\r\nrequested=off",
					      &sv, NULL, 0),
			 0);
	assert_int_equal(sv.fault, POWERSEQ_FAULT_HOST_BOOT_TIMEOUT);
	assert_int_equal(sv.fault_at_s, 12);
	assert_int_equal(sv.requested, POWERSEQ_REQUESTED_OFF);
	/* "fault=none" says no fault */
	assert_int_equal(powerseq_saved_parse("requested=on\nfault=none\n", &sv, NULL, 0), 0);
	assert_int_equal(sv.fault, POWERSEQ_FAULT_NONE);
	/* garbage without a fault line: unreadable, no fault (as before) */
	assert_int_equal(powerseq_saved_parse("garbage\n", &sv, NULL, 0),
			 POWERSEQ_SAVED_BAD_REQUESTED);
	assert_int_equal(sv.requested, POWERSEQ_REQUESTED_UNKNOWN);
	assert_int_equal(sv.fault, POWERSEQ_FAULT_NONE);
	assert_int_equal(powerseq_saved_parse("", &sv, NULL, 0), POWERSEQ_SAVED_BAD_REQUESTED);
	assert_int_equal(powerseq_saved_parse(NULL, &sv, NULL, 0), POWERSEQ_SAVED_BAD_REQUESTED);
}

/* A fault line that does not parse is still a fault: it loads as "unknown", flagged. */
static void test_power_state_corrupt_fault(void **state)
{
	static const struct {
		const char *text;
		const char *shown;
	} cases[] = {
		{ "requested=off\nfault=psu-on-fire\nfault_at=100\n", "psu-on-fire" },
		{ "requested=off\nfault=\nfault_at=100\n", "" },
		{ "requested=off\nfault=PSU-OK-DROP\nfault_at=100\n", "PSU-OK-DROP" },
		{ "requested=off\nfault=\x1b[31mx\x7f\xff\nfault_at=100\n", "?[31mx??" },
		{ "requested=off\nfault=psu-ok-drop-psu-ok-drop-psu-ok-drop-psu-ok-drop\n"
		  "fault_at=100\n", "(too long)" },
	};
	struct dir *d = *state;
	struct powerseq_saved sv;
	char name[POWERSEQ_SAVED_NAME_MAX], buf[256];
	enum powerseq_fault f;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put_raw(d->file, cases[i].text, strlen(cases[i].text));
		assert_true(statefile_read(d->file, buf, sizeof(buf)) > 0);
		assert_int_equal(powerseq_saved_parse(buf, &sv, name, sizeof(name)),
				 POWERSEQ_SAVED_BAD_FAULT);
		assert_int_equal(sv.fault, POWERSEQ_FAULT_UNKNOWN);
		assert_string_equal(name, cases[i].shown);
		assert_int_equal(sv.requested, POWERSEQ_REQUESTED_OFF);
		assert_true(sv.fault_at_known);
		assert_int_equal(sv.fault_at_s, 100);
	}
	/* a name for the log never overruns a short buffer */
	powerseq_saved_parse("fault=abcdefghijklmnop\n", &sv, name, 5);
	assert_string_equal(name, "abcd");
	/* "unknown" itself is a known name: it round-trips without a flag */
	assert_int_equal(powerseq_saved_parse("requested=off\nfault=unknown\nfault_at=7\n", &sv,
					      NULL, 0), 0);
	assert_int_equal(sv.fault, POWERSEQ_FAULT_UNKNOWN);
	/* a bad or missing time: the fault stands, its time unknown */
	static const char *const bad_at[] = { "fault_at=-5\n", "fault_at=12a\n", "fault_at=\n",
					      "fault_at= 12\n", "fault_at=99999999999999999999\n",
					      "fault_at=9223372037\n", "" };
	for (size_t i = 0; i < sizeof(bad_at) / sizeof(bad_at[0]); i++) {
		char text[128];

		snprintf(text, sizeof(text), "requested=off\nfault=psu-ok-timeout\n%s", bad_at[i]);
		assert_int_equal(powerseq_saved_parse(text, &sv, NULL, 0),
				 POWERSEQ_SAVED_BAD_FAULT_AT);
		assert_int_equal(sv.fault, POWERSEQ_FAULT_PSU_OK_TIMEOUT);
		assert_false(sv.fault_at_known);
	}
	/* a fault without a readable requested state: the fault still loads */
	assert_int_equal(powerseq_saved_parse("requested=maybe\nfault=psu-ok-drop\nfault_at=1\n",
					      &sv, NULL, 0),
			 POWERSEQ_SAVED_BAD_REQUESTED);
	assert_int_equal(sv.fault, POWERSEQ_FAULT_PSU_OK_DROP);
	assert_int_equal(sv.requested, POWERSEQ_REQUESTED_UNKNOWN);
	/* every name the sequencer gives parses back; "none" and "?" do not */
	for (int k = 1; k <= 5; k++) {
		if (strcmp(powerseq_fault_name((enum powerseq_fault)k), "?") == 0)
			continue;
		assert_int_equal(powerseq_fault_parse(powerseq_fault_name((enum powerseq_fault)k),
						      &f), 0);
		assert_int_equal(f, k);
	}
	assert_int_equal(powerseq_fault_parse("none", &f), -EINVAL);
	assert_int_equal(powerseq_fault_parse("?", &f), -EINVAL);
	assert_int_equal(powerseq_fault_parse(NULL, &f), -EINVAL);
}

static void test_bad_arguments(void **state)
{
	char buf[8];

	assert_int_equal(statefile_write("", "x", 1), -EINVAL);
	assert_int_equal(statefile_read("/nonexistent/h2box/x", buf, 1), -EINVAL);
	assert_int_equal(statefile_write("/proc/h2box-cannot-write/x", "x", 1) < 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_and_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_tmp_does_not_matter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_planted_links_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creates_missing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_state_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_state_older_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_state_corrupt_fault, setup, teardown),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
