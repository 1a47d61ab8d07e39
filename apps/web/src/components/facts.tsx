import { Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** Label and value pairs as a description list. */
export function Facts({ children }: { children: ReactNode }) {
  return (
    <Stack component="dl" gap={8} m={0}>
      {children}
    </Stack>
  );
}

export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed" fw={600}>
        {label}
      </Text>
      <Text component="dd" size="sm" m={0}>
        {children}
      </Text>
    </div>
  );
}
