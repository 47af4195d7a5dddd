/* replay.c -- run a libFuzzer harness over files, without libFuzzer. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Linked with any harness and any compiler, this replays the files named
 * on the command line, so every seed and every crash found so far runs in
 * the ordinary test suite (and under ASan/UBSan in CI).
 */
#define REPLAY_INPUT_MAX	65536

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
main(int argc, char **argv)
{
	static uint8_t buf[REPLAY_INPUT_MAX];
	FILE *f;
	size_t n;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		(void)LLVMFuzzerTestOneInput(buf, n);
	}
	printf("replayed %d inputs\n", argc - 1);
	return 0;
}
