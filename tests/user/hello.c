/* The first user program: one KTAP line through write(1, ...), then exit_group(0). */
#include "user.h"

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	ktap_plan(1);
	ktap_ok(true, "hello", NULL);
	ktap_exit();
}
