/* A plain C program against musl (Debian's musl-tools, musl-gcc), linked statically: what a
 * student's own program looks like. x86_64 only (musl-gcc is native). */
#include <stdio.h>

int main(void)
{
	printf("KTAP version 1\n1..1\nok 1 musl_hello\n");
	return 0;
}
