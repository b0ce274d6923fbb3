/* The only change is the text a function prints (on ppc64 -mcmodel=large it
 * reaches the string through a .toc slot); its neighbour prints the same. */
struct seq_file;
extern int seq_printf(struct seq_file *m, const char *fmt, ...);

int show_state(struct seq_file *m)
{
	return seq_printf(m, "OldText %d\n", 1);
}

int show_other(struct seq_file *m)
{
	return seq_printf(m, "Other %d\n", 2);
}
