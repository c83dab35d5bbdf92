/* The monitor's console line editor (kernel/monitor.c uses it): echo, backspace, Ctrl-U,
 * Ctrl-C, and a history of HISTORY lines on the up and down arrows; escape sequences it does not
 * know are swallowed. The console is polled (arch_console_getc) with a 2 ms sleep between empty
 * polls, so a prompt waiting for a typist costs next to nothing. */
#include "kernel/monitor_line.h"
#include "arch/arch.h"
#include "kernel/printk.h"
#include "kernel/sched/timer.h"
#include "lib/string.h"

#define HISTORY 16

static char history[HISTORY][MONITOR_LINE_CAP];
static unsigned nr_history;   /* lines ever added: the last HISTORY are kept */

void monitor_out(const char *s) { console_write(s, strlen(s)); }

static int getc_wait(void)
{
	for (;;) {
		int c = arch_console_getc();
		if (c >= 0)
			return c;
		sleep_ns(2 * 1000 * 1000);
	}
}

/* Replace what is shown after the prompt (len characters) by s, and the line by it too. */
static size_t replace_line(char *line, size_t len, const char *s)
{
	while (len--)
		monitor_out("\b \b");
	strlcpy(line, s, MONITOR_LINE_CAP);
	monitor_out(line);
	return strlen(line);
}

size_t monitor_read_line(char *line)
{
	static bool after_cr;    /* a CR LF pair is one Enter */
	char fresh[MONITOR_LINE_CAP] = "";   /* the line being typed, kept while browsing the history */
	unsigned browse = nr_history;   /* nr_history: the fresh line; below: a history entry */
	unsigned oldest = nr_history > HISTORY ? nr_history - HISTORY : 0;
	int esc = 0;   /* 1: after ESC; 2: inside ESC [ ... */
	size_t len = 0;

	line[0] = 0;
	for (;;) {
		int c = getc_wait();
		bool was_cr = after_cr;
		after_cr = false;
		if (esc == 1) {
			esc = c == '[' || c == 'O' ? 2 : 0;
			continue;
		}
		if (esc == 2) {
			if ((c >= '0' && c <= '9') || c == ';')
				continue;   /* a parameter: ESC [ 3 ~ and the like, ignored */
			esc = 0;
			if (c == 'A' && browse > oldest) {   /* up: an older line */
				if (browse == nr_history)
					strlcpy(fresh, line, sizeof(fresh));
				browse--;
				len = replace_line(line, len, history[browse % HISTORY]);
			} else if (c == 'B' && browse < nr_history) {   /* down: a newer one */
				browse++;
				len = replace_line(line, len, browse == nr_history ? fresh :
						   history[browse % HISTORY]);
			}
			continue;   /* left, right and the rest: no cursor movement here */
		}
		after_cr = c == '\r';
		switch (c) {
		case 0x1b:
			esc = 1;
			break;
		case '\n':
			if (was_cr)
				break;
			/* fall through */
		case '\r':
			monitor_out("\n");
			if (len && (!nr_history ||
				    strcmp(history[(nr_history - 1) % HISTORY], line)))
				strlcpy(history[nr_history++ % HISTORY], line, MONITOR_LINE_CAP);
			return len;
		case 0x7f:
		case '\b':
			if (len) {
				line[--len] = 0;
				monitor_out("\b \b");
			}
			break;
		case 0x15:   /* Ctrl-U: the whole line */
			len = replace_line(line, len, "");
			break;
		case 0x03:   /* Ctrl-C: abandon the line */
			monitor_out("^C\n");
			line[0] = 0;
			return 0;
		default:
			if (c >= 0x20 && c < 0x7f && len < MONITOR_LINE_CAP - 1) {
				char s[2] = { (char)c, 0 };
				line[len++] = (char)c;
				line[len] = 0;
				monitor_out(s);
			}
			break;
		}
	}
}

int monitor_split(char *line, char **argv, int max)
{
	int argc = 0;
	for (char *s = line;;) {
		while (*s == ' ' || *s == '\t')
			*s++ = 0;
		if (!*s)
			return argc;
		if (argc == max)
			return -1;
		argv[argc++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
}
