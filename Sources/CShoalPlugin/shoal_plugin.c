/* The C side of Shoal's plugin ABI is the header alone (include/shoal_plugin.h);
 * SwiftPM needs one source file to make it a target. */
#include "shoal_plugin.h"

const uint32_t shoal_abi_major = SHOAL_ABI_MAJOR;
