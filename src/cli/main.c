/* main.c -- placeholder until the command dispatcher lands. */
int main(void) { return 0; }
