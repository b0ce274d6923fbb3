/* might_sleep() passes __LINE__: lines inserted above waits() change only
 * that immediate; really_changes() changes for real. */
extern void __might_sleep(const char *file, int line);
extern int do_thing(int x);

#define might_sleep() __might_sleep(__FILE__, __LINE__)

/* The patch adds a helper here, which moves every line below. */
static inline int unused_helper(int x)
{
	return x;
}

int waits(int x)
{
	might_sleep();
	return do_thing(x) + 1;
}

int really_changes(int x)
{
	return do_thing(x) * 3;
}
