/* strutil: the string tests the correlator's filters share. */
#ifndef KLP_STRUTIL_H
#define KLP_STRUTIL_H

#include <string.h>

/* Whether s starts with one of a NULL-terminated list of prefixes. */
static inline int klp_has_prefix(const char *s, const char *const *prefixes)
{
	for (; *prefixes; prefixes++)
		if ((*prefixes)[0] == s[0] && strncmp(s, *prefixes, strlen(*prefixes)) == 0)
			return 1;
	return 0;
}

/* Whether s contains one of a NULL-terminated list of strings. */
static inline int klp_contains_any(const char *s, const char *const *needles)
{
	for (; *needles; needles++)
		if ((*needles)[0] && !(*needles)[1] ? strchr(s, (*needles)[0]) != NULL : strstr(s, *needles) != NULL)
			return 1;
	return 0;
}

#endif
