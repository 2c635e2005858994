/*
 * NumPy inner loops (PyUFuncGenericFunction signature, with npy_intp spelled
 * intptr_t so that this code needs no NumPy header).
 */
#ifndef MITCHELL_LOOPS_H
#define MITCHELL_LOOPS_H

#include <stdint.h>

#define MITCHELL_LOOP_SIGNATURE                                                        \
    (char **args, const intptr_t *dimensions, const intptr_t *steps, void *data)

void mitchell_loop_mul_f16 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_div_f16 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_mul_bf16 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_div_bf16 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_mul_f32 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_div_f32 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_mul_f64 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_div_f64 MITCHELL_LOOP_SIGNATURE;

#endif
