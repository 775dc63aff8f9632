/* tests/guests/tls_extern.c, linked into tls.tc. */
extern __thread int tls_ext_counter;
int *tls_ext_counter_addr(void);
long tls_ext_bump(int i);
int tls_ext_zero_sum(void);
