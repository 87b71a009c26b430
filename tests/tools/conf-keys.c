/* conf-keys.c - prints every profile section and key the parser accepts, for the manual's check. */
#include "supervisor/config/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One line per key, "SECTION<TAB>KEY", SECTION as "kind" or "kind NAME", under the names the
 * parser itself treats as the one spelling (profile_sections_canonical(): [alarm X] is
 * [thermal X], [throttle X] interface is interfaces, [fan] profile is [fanschedule] default).
 * Walked from the parser's key tables (profile_keys_each()), never from a list kept here;
 * tests/docs/check-conf-keys.sh compares it with docs/h2box.conf.5.
 */
static void conf_keys_print(const char *section, const char *key, void *ctx)
{
	char norm[96], canon[96];
	const char *ckey;

	(void)ctx;
	profile_sections_canonical(section, key, norm, sizeof(norm), canon, sizeof(canon), &ckey);
	printf("%s\t%s\n", canon, ckey);
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: conf-keys (prints SECTION<TAB>KEY lines)\n");
		return 2;
	}
	profile_keys_each(conf_keys_print, NULL);
	return fflush(stdout) == 0 ? 0 : 1;
}
