export { publicRepostspaceEndpoint } from './endpoint.ts';
export {
  AccessDeniedException,
  InternalServerException,
  RepostspaceConfigurationError,
  type RepostspaceExceptionOptions,
  type RepostspaceFault,
  type RepostspaceResponseMetadata,
  RepostspaceServiceException,
  type RepostspaceServiceExceptionOptions,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
  type ValidationExceptionField,
} from './errors.ts';
export {
  REPOSTSPACE_CLIENT_DEFAULTS,
  RepostspaceClient,
  type RepostspaceClientOptions,
} from './repostspace-client.ts';
