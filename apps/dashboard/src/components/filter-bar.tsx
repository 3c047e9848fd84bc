'use client';

import { usePathname, useRouter } from 'next/navigation';

export interface FilterOption {
  value: string;
  label: string;
}

export interface FilterSpec {
  name: string;
  label: string;
  value: string;
  options: readonly FilterOption[];
}

/** Dropdown filters kept in the URL, so every view (and its export link) can be shared and reloaded. */
export function FilterBar({ filters, query }: { filters: readonly FilterSpec[]; query: Record<string, string> }) {
  const router = useRouter();
  const pathname = usePathname();
  const change = (name: string, value: string) => {
    const params = new URLSearchParams(query);
    if (value === '') params.delete(name);
    else params.set(name, value);
    const search = params.toString();
    router.replace(search ? `${pathname}?${search}` : pathname, { scroll: false });
  };
  return (
    <div className="filters">
      {filters.map((filter) => (
        <label key={filter.name}>
          {filter.label}
          <select name={filter.name} value={filter.value} onChange={(event) => change(filter.name, event.target.value)}>
            {filter.options.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
      ))}
    </div>
  );
}
