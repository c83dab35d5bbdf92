/* A plain C program against musl's libc (static): threads (pthread_create, a mutex, a condition
 * variable, pthread_join), mmap, malloc and printf. It is what a student's program looks like;
 * it prints KTAP so that the user suite can judge it, and passes on Linux too. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS 1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static long total;
static int turn;

static void *worker(void *arg)
{
	long id = (long)arg;
	/* each thread's own mapping, touched and checked */
	size_t len = 16 * 4096;
	unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
				0);
	if (m == MAP_FAILED)
		return (void *)1;
	memset(m, (int)id + 1, len);
	for (size_t i = 0; i < len; i += 4096)
		if (m[i] != id + 1)
			return (void *)2;
	munmap(m, len);
	/* take turns through a condition variable */
	for (int r = 0; r < ROUNDS / THREADS; r++) {
		pthread_mutex_lock(&lock);
		while (turn != id)
			pthread_cond_wait(&turn_changed, &lock);
		total++;
		turn = (turn + 1) % THREADS;
		pthread_cond_broadcast(&turn_changed);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(void)
{
	printf("KTAP version 1\n1..3\n");
	pthread_t t[THREADS];
	int made = 0;
	for (long i = 0; i < THREADS; i++)
		made += pthread_create(&t[i], NULL, worker, (void *)i) == 0;
	printf("%s 1 musl_pthread_create\n", made == THREADS ? "ok" : "not ok");
	int bad = 0;
	for (int i = 0; i < made; i++) {
		void *ret;
		bad += pthread_join(t[i], &ret) != 0 || ret != NULL;
	}
	printf("%s 2 musl_threads_take_turns # total %ld\n", !bad && total == ROUNDS ? "ok" : "not ok",
	       total);
	char *p = malloc(1 << 20);   /* musl's malloc: mmap for a large block */
	int ok = p != NULL;
	if (p) {
		memset(p, 0x5a, 1 << 20);
		ok = p[12345] == 0x5a;
		free(p);
	}
	printf("%s 3 musl_malloc_large\n", ok ? "ok" : "not ok");
	fflush(stdout);
	return !(made == THREADS && !bad && total == ROUNDS && ok);
}
