/* The reference floor for reading a capture: libpcap's pcap_next_ex in a tight loop,
 * counting packets and captured bytes, nothing else. glancetrace `info` has to beat it.
 *
 *   cc -O2 -o pcap_loop Benchmarks/pcap_loop.c -lpcap && ./pcap_loop FILE
 *
 * Prints "packets N bytes B" (B = sum of captured lengths). Exit 1 if the file cannot be
 * opened or reading fails part-way (after printing what was counted).
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s CAPTURE\n", argv[0]);
        return 2;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], errbuf);
    if (p == NULL) {
        fprintf(stderr, "%s: %s\n", argv[1], errbuf);
        return 1;
    }
    struct pcap_pkthdr *header;
    const u_char *data;
    uint64_t packets = 0, bytes = 0;
    uint32_t touch = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &header, &data)) == 1) {
        packets++;
        bytes += header->caplen;
        /* Read one byte of each packet so the loop cannot be reduced to header parsing. */
        if (header->caplen > 0) touch += data[0];
    }
    printf("packets %llu bytes %llu\n", (unsigned long long)packets, (unsigned long long)bytes);
    if (rc == -1) {
        fprintf(stderr, "%s: %s\n", argv[1], pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    return touch == 0xFFFFFFFFu ? 3 : 0; /* keep `touch` live; never true in practice */
}
