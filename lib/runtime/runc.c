// SPDX-License-Identifier: MIT
/* placeholder until the adapter lands */
