/* ppc64 ELFv1: each function's symbol names its descriptor in .opd, the same
 * three doublewords (the code's section, the TOC, 0) on both sides: only its
 * code tells that scale changed.  scale's code is longer than its
 * descriptor, but not than .opd (decoding the descriptors would find no
 * change); tail's runs past the end of .opd. */
int counter;

int scale(int x)
{
	counter += x;
	return x * 5 + counter;
}

int keep(int x)
{
	return x * 7 + counter;
}

int tail(int x)
{
	return x - counter;
}
