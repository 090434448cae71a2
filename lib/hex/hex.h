/* Hexadecimal digits, read one way by every parser that meets them. */
#ifndef NPR_HEX_H
#define NPR_HEX_H

/* The value of the hex digit C (either case), or -1 when C is none. */
int hex_digit(int c);

#endif
