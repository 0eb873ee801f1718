/* true.c: mbench-true, the smallest program fork_exec_wait can run: it exits with 0. */
int main(void)
{
	return 0;
}
