/* setb stores an immediate into a static: x86 encodes the immediate after
 * the displacement, so the relocation's addend is -8, not -4.  The patch
 * adds a static before b in the shared .bss; setb is unchanged. */
static int b;
static int a_new;

__attribute__((noinline)) void setb(void)
{
	b = 1;
}

int getb(void)
{
	return b + a_new++;
}
