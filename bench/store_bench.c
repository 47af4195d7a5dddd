/* store_bench.c -- placeholder until the store benchmark lands. */
int main(void) { return 0; }
