import type { KubeObject } from '../kube-object.js';
import { ageOf } from './human-duration.js';

/** The shape of a Table column and the helpers every kind's printer shares. */

export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'date' | 'number' | 'boolean';
  format: string;
  description: string;
  priority: number;
}

export interface KindColumns {
  columns: ColumnDefinition[];
  cells(object: KubeObject): unknown[];
}

export const column = (
  name: string,
  type: ColumnDefinition['type'],
  description: string,
  priority = 0,
  format = '',
): ColumnDefinition => ({
  name,
  type,
  format,
  description,
  priority,
});
export const nameColumn = column('Name', 'string', 'Name must be unique within a namespace.', 0, 'name');
export const ageColumn = column(
  'Age',
  'string',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);
export const name = (object: KubeObject) => object.metadata.name ?? '';
export const age = (object: KubeObject) => ageOf(object.metadata.creationTimestamp);
export const orNone = (text: string) => (text === '' ? '<none>' : text);
